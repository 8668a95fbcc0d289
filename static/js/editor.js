/* The article editor: Quill (vendored) on top of the plain textarea, which stays the form field.
   Without JavaScript the textarea still works. The server sanitises whatever arrives. */
(function () {
  "use strict";
  function start() {
    var textarea = document.getElementById("body_html");
    if (!textarea || !window.Quill) { return; }
    var holder = document.createElement("div");
    holder.className = "editor-holder";
    textarea.parentNode.insertBefore(holder, textarea);
    textarea.hidden = true;
    var photos = [];
    try { photos = JSON.parse(textarea.getAttribute("data-photos") || "[]"); } catch (e) { photos = []; }
    var tools = [[{ header: [2, 3, false] }], ["bold", "italic"], [{ list: "ordered" }, { list: "bullet" }],
                 ["blockquote", "link"]];
    if (photos.length) { tools.push(["image"]); }
    tools.push(["clean"]);
    var quill = new window.Quill(holder, {
      theme: "snow",
      placeholder: textarea.getAttribute("placeholder") || "",
      modules: { toolbar: { container: tools, handlers: { image: function () { choosePhoto(quill, photos); } } } }
    });
    // the heading picker is a button Quill leaves without a name
    holder.parentNode.querySelectorAll(".ql-header .ql-picker-label").forEach(function (label) {
      label.setAttribute("aria-label", textarea.getAttribute("data-heading-label") || "");
    });
    quill.clipboard.dangerouslyPasteHTML(textarea.value || "");
    textarea.form.addEventListener("submit", function () {
      var html = quill.getSemanticHTML().replace(/&nbsp;/g, " ");
      textarea.value = quill.getText().trim() ? html : "";
    });
  }

  function choosePhoto(quill, photos) {
    var dialog = document.getElementById("photo-picker");
    if (!dialog) { return; }
    var range = quill.getSelection(true);
    dialog.querySelectorAll("button[data-src]").forEach(function (button) {
      button.onclick = function () {
        quill.insertEmbed(range ? range.index : 0, "image", button.getAttribute("data-src"), "user");
        dialog.close();
      };
    });
    dialog.showModal();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
