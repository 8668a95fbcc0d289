/* The article editor: Quill (vendored) on top of the plain textarea, which stays the form field.
   The toolbar is the page's own (#editor-toolbar: Indonesian names and tooltips). Without
   JavaScript the textarea still works. The server sanitises whatever arrives and names
   anything it would drop before it saves. */
(function () {
  "use strict";
  /* What the editor may hold: the sanitiser's formats, so a paste keeps only what survives. */
  var FORMATS = ["header", "bold", "italic", "list", "blockquote", "link", "image",
                 "table", "table-row", "table-body", "table-container"];

  function start() {
    var textarea = document.getElementById("body_html");
    var toolbar = document.getElementById("editor-toolbar");
    if (!textarea || !toolbar || !window.Quill) { return; }
    var holder = document.createElement("div");
    holder.className = "editor-holder";
    textarea.parentNode.insertBefore(toolbar, textarea);
    textarea.parentNode.insertBefore(holder, textarea);
    toolbar.hidden = false;
    textarea.hidden = true;
    var quill = new window.Quill(holder, {
      theme: "snow",
      formats: FORMATS,
      placeholder: textarea.getAttribute("placeholder") || "",
      modules: {
        table: true,
        toolbar: {
          container: toolbar,
          handlers: {
            image: function () { choosePhoto(quill); },
            "tabel-sisip": function () { tables(quill, "insertTable", 3, 3); },
            "tabel-baris": function () { tables(quill, "insertRowBelow"); },
            "tabel-kolom": function () { tables(quill, "insertColumnRight"); },
            "tabel-hapus-baris": function () { tables(quill, "deleteRow"); },
            "tabel-hapus-kolom": function () { tables(quill, "deleteColumn"); }
          }
        }
      }
    });
    quill.root.setAttribute("aria-label", textarea.getAttribute("data-label") || "");
    quill.root.setAttribute("role", "textbox");
    quill.root.setAttribute("aria-multiline", "true");
    name(toolbar);
    quill.clipboard.dangerouslyPasteHTML(tablesForQuill(textarea.value || ""));
    /* A pasted table (a TPS list from a spreadsheet or a letter) keeps its cells: header
       cells and header rows are made plain cells first, which is what the editor holds. */
    holder.addEventListener("paste", function (e) {
      var data = e.clipboardData && e.clipboardData.getData("text/html");
      if (!data || !/<t[hr][\s>]|<thead|<caption/i.test(data)) { return; }
      e.preventDefault();
      e.stopImmediatePropagation();
      var range = quill.getSelection(true);
      if (range.length) { quill.deleteText(range.index, range.length, "user"); }
      quill.clipboard.dangerouslyPasteHTML(range.index, tablesForQuill(data), "user");
    }, true);
    textarea.value = html(quill);
    /* The form sees every change, for the draft and the leave warning. */
    quill.on("text-change", function (delta, old, source) {
      if (source !== "user") { return; }
      textarea.value = html(quill);
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    });
    quill.on("selection-change", function (range, old) {
      if (!range && old) { textarea.dispatchEvent(new Event("focusout", { bubbles: true })); }
    });
    textarea.form.addEventListener("submit", function () { textarea.value = html(quill); });
  }

  function html(quill) {
    if (!quill.getText().trim() && !quill.root.querySelector("img, table")) { return ""; }
    /* the table's inline border is the editor's own, not the writer's */
    var semantic = quill.getSemanticHTML().replace(/&nbsp;/g, " ")
      .replace(/<table style="[^"]*">/g, "<table>");
    var box = inert(semantic);
    /* data-row is Quill's own note of a cell's row, not content */
    box.querySelectorAll("[data-row]").forEach(function (el) { el.removeAttribute("data-row"); });
    return box.innerHTML;
  }

  /* HTML parsed where nothing in it runs or applies (a document of its own). */
  function inert(source) {
    return new DOMParser().parseFromString("<body>" + source, "text/html").body;
  }

  function tablesForQuill(source) {
    if (!/<t[hr][\s>]|<thead|<caption/i.test(source)) { return source; }
    var box = inert(source);
    var doc = box.ownerDocument;
    box.querySelectorAll("table").forEach(function (table) {
      var caption = table.querySelector("caption");
      if (caption) {
        var p = doc.createElement("p");
        var strong = doc.createElement("strong");
        strong.textContent = caption.textContent.trim();
        p.appendChild(strong);
        table.parentNode.insertBefore(p, table);
        caption.remove();
      }
      var body = doc.createElement("tbody");
      table.querySelectorAll("tr").forEach(function (tr) {
        var row = doc.createElement("tr");
        Array.prototype.forEach.call(tr.children, function (cell) {
          var td = doc.createElement("td");
          td.innerHTML = cell.innerHTML;
          row.appendChild(td);
        });
        body.appendChild(row);
      });
      table.innerHTML = "";
      table.appendChild(body);
    });
    return box.innerHTML;
  }

  function tables(quill, what, rows, columns) {
    var table = quill.getModule("table");
    if (table && table[what]) { table[what](rows, columns); }
  }

  /* Quill builds the heading picker as buttons from the select: they take the select's name
     and each option's own words (data-label, shown through the stylesheet). */
  function name(toolbar) {
    toolbar.querySelectorAll("select[aria-label]").forEach(function (select) {
      var picker = select.previousElementSibling;
      if (!picker || !picker.classList.contains("ql-picker")) { return; }
      var label = picker.querySelector(".ql-picker-label");
      if (label) { label.setAttribute("aria-label", select.getAttribute("aria-label")); }
      picker.querySelectorAll(".ql-picker-item").forEach(function (item) {
        item.setAttribute("aria-label", item.getAttribute("data-label") || "");
        item.setAttribute("title", item.getAttribute("data-label") || "");
      });
    });
  }

  function choosePhoto(quill) {
    var dialog = document.getElementById("photo-picker");
    if (!dialog) { return; }
    var range = quill.getSelection(true);
    function bind() {
      dialog.querySelectorAll("button[data-src]").forEach(function (button) {
        button.onclick = function () {
          quill.insertEmbed(range ? range.index : 0, "image", button.getAttribute("data-src"), "user");
          dialog.close();
        };
      });
    }
    /* Photos uploaded since the page was opened (in another tab): read the list again. */
    var reload = dialog.querySelector(".photo-picker-reload");
    if (reload) {
      reload.onclick = function () {
        fetch(reload.getAttribute("data-url"), { credentials: "same-origin" })
          .then(function (r) { return r.text(); })
          .then(function (text) {
            var fresh = new DOMParser().parseFromString(text, "text/html");
            var grid = fresh.querySelector("#photo-picker .photo-grid");
            var empty = fresh.querySelector("#photo-picker .photo-picker-empty");
            if (grid) { dialog.querySelector(".photo-grid").innerHTML = grid.innerHTML; }
            if (empty) { dialog.querySelector(".photo-picker-empty").hidden = empty.hasAttribute("hidden"); }
            bind();
          });
      };
    }
    bind();
    dialog.showModal();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
