/* Never lose a word: a form with data-draft-url autosaves the person's draft (about every
   10 s of typing, and when a field loses the focus) and warns before the page is left with
   unsaved changes. The draft is the person's own and never becomes a revision by itself.
   Without JavaScript the form works as before. */
(function () {
  "use strict";
  var SKIP = { csrf_token: 1, base: 1, accept_drops: 1, hand_on: 1 };
  var DELAY = 10000;

  function watch(form) {
    var url = form.getAttribute("data-draft-url");
    var warning = form.getAttribute("data-leave-warning") || "";
    var status = form.querySelector("[role=status]");
    var token = form.querySelector("[name=csrf_token]");
    var base = form.querySelector("[name=base]");
    var dirty = false, unsent = false, submitting = false, timer = null;

    function fields() {
      var out = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || SKIP[el.name] || el.type === "submit" || el.type === "button") { return; }
        if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
        out[el.name] = el.value;
      });
      return out;
    }

    function say(text, failed) {
      if (!status) { return; }
      status.textContent = text;
      status.classList.toggle("error", !!failed);
    }

    function save(leaving) {
      if (timer) { clearTimeout(timer); timer = null; }
      if (!unsent || submitting) { return; }
      unsent = false;
      var request = fetch(url, {
        method: "POST",
        credentials: "same-origin",
        keepalive: !!leaving,
        headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
        body: JSON.stringify({ base: parseInt(base ? base.value : "0", 10) || 0, fields: fields() })
      });
      if (leaving) { return; }
      request.then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; },
                                    function () { return { ok: false, data: {} }; });
      }).then(function (r) {
        if (r.ok) { say(r.data.message || ""); } else {
          say(r.data.error || form.getAttribute("data-draft-failed") || "", true);
        }
      }, function () {
        unsent = true;
        say(form.getAttribute("data-draft-offline") || "", true);
      });
    }

    function changed() {
      dirty = true;
      unsent = true;
      if (!timer) { timer = setTimeout(function () { save(false); }, DELAY); }
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    /* Leaving a field for one of the form's own buttons is the start of a save: a draft sent
       then would race the revision and come back stale (409). */
    function toOwnButton(e) {
      var next = e.relatedTarget;
      return !!(next && next.form === form && (next.type === "submit" || next.tagName === "BUTTON"));
    }
    form.addEventListener("focusout", function (e) { if (unsent && !toOwnButton(e)) { save(false); } });
    form.addEventListener("submit", function () {
      submitting = true;
      if (timer) { clearTimeout(timer); timer = null; }
    });

    window.addEventListener("beforeunload", function (e) {
      if (!dirty || submitting) { return undefined; }
      save(true);
      e.preventDefault();
      e.returnValue = warning;
      return warning;
    });

    /* In-app links ask first: the browser's own dialog does not show for every way out. */
    document.addEventListener("click", function (e) {
      var link = e.target.closest ? e.target.closest("a[href]") : null;
      if (!link || !dirty || submitting || e.defaultPrevented) { return; }
      if (link.target === "_blank" || link.getAttribute("href").charAt(0) === "#") { return; }
      if (link.closest("dialog")) { return; }
      save(true);
      if (window.confirm(warning)) {
        dirty = false;
      } else {
        e.preventDefault();
      }
    });
  }

  function start() {
    document.querySelectorAll("form[data-draft-url]").forEach(watch);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
