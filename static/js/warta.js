/* Warta on every intranet page: the menu disclosure on small screens, and the error
   summary of a failed form taking the focus. Without this script the menu is shown open
   and the summary is simply the first thing in the page. */
(function () {
  "use strict";

  function menu() {
    var button = document.querySelector(".nav-toggle");
    var nav = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!nav) return;
    var holder = button.parentNode;
    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      holder.classList.toggle("nav-open", open);
    }
    holder.classList.add("nav-js");
    button.hidden = false;
    button.addEventListener("click", function () {
      set(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        set(false);
        button.focus();
      }
    });
  }

  /* A button.disclose shows or hides the elements named in its aria-controls (on a small
     screen only, as the stylesheet says); without this script they are simply shown. */
  function disclosures() {
    document.querySelectorAll("button.disclose").forEach(function (button) {
      var targets = button.getAttribute("aria-controls").split(/\s+/)
        .map(function (id) { return document.getElementById(id); })
        .filter(Boolean);
      targets.forEach(function (t) { t.classList.add("js-collapse"); });
      button.hidden = false;
      button.addEventListener("click", function () {
        var open = button.getAttribute("aria-expanded") !== "true";
        button.setAttribute("aria-expanded", open ? "true" : "false");
        targets.forEach(function (t) { t.classList.toggle("is-open", open); });
      });
    });
  }

  function errorSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }

  function ready() {
    menu();
    disclosures();
    errorSummary();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
