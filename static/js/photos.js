/* The photos page (step 6): upload many photos at once by choosing or dropping them, each
   sent on its own with its progress; reorder by dragging or with Naik/Turun (announced, no
   reload); turn, make cover and remove (after a dialog) without leaving the page. Without
   this script the same forms work by posting the page. */
(function () {
  "use strict";

  var RESULTS = "warta-photo-upload";

  function csrf(form) {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function item(list, name, text, kind) {
    var li = document.createElement("li");
    li.className = kind || "";
    var strong = document.createElement("strong");
    strong.textContent = name;
    var status = document.createElement("span");
    status.className = "upload-status";
    status.textContent = text;
    li.appendChild(strong);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(status);
    list.appendChild(li);
    return li;
  }

  function uploads() {
    var form = document.getElementById("photo-upload");
    if (!form) return;
    var list = document.getElementById("upload-progress");
    var zone = document.getElementById("dropzone");
    var input = form.querySelector("input[type=file]");
    var maxBytes = parseInt(form.dataset.maxBytes, 10);
    var maxAtOnce = parseInt(form.dataset.maxAtOnce, 10);

    // what the last upload refused is still named after the page reloads
    try {
      var kept = JSON.parse(sessionStorage.getItem(RESULTS) || "[]");
      sessionStorage.removeItem(RESULTS);
      kept.forEach(function (r) {
        item(list, r.name, r.text, r.kind);
      });
    } catch (e) {
      /* storage unavailable: nothing to show */
    }

    function send(file, row) {
      return new Promise(function (resolve) {
        var data = new FormData();
        data.append("csrf_token", csrf(form));
        data.append("photo", file, file.name);
        var xhr = new XMLHttpRequest();
        var bar = document.createElement("progress");
        bar.max = 100;
        bar.value = 0;
        bar.setAttribute("aria-label", file.name);
        row.appendChild(bar);
        xhr.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
        });
        xhr.addEventListener("load", function () {
          var body = {};
          try {
            body = JSON.parse(xhr.responseText);
          } catch (e) {
            body = {};
          }
          bar.remove();
          var status = row.querySelector(".upload-status");
          if (xhr.status === 201) {
            status.textContent = form.dataset.done;
            row.className = "ok";
            resolve({ ok: true });
          } else {
            var why = (body.refused && body.refused[0] && body.refused[0].message) ||
              (xhr.status === 413 ? form.dataset.tooBig : form.dataset.failed);
            status.textContent = form.dataset.refused + ": " + why;
            row.className = "refused";
            resolve({ ok: false, name: file.name, text: status.textContent });
          }
        });
        xhr.addEventListener("error", function () {
          bar.remove();
          row.querySelector(".upload-status").textContent = form.dataset.failed;
          row.className = "refused";
          resolve({ ok: false, name: file.name, text: form.dataset.failed });
        });
        xhr.open("POST", form.action || window.location.href);
        xhr.setRequestHeader("Accept", "application/json");
        xhr.setRequestHeader("X-CSRFToken", csrf(form));
        xhr.send(data);
      });
    }

    function start(files) {
      files = Array.prototype.slice.call(files || []);
      if (!files.length) return;
      list.textContent = "";
      if (files.length > maxAtOnce) {
        item(list, "", form.dataset.tooMany, "refused");
        return;
      }
      var queue = files.map(function (file) {
        return { file: file, row: item(list, file.name, form.dataset.sending, "") };
      });
      var results = [];
      // one file after another: each is its own request and its own transaction
      queue.reduce(function (p, q) {
        return p.then(function () {
          if (q.file.size > maxBytes) {
            q.row.querySelector(".upload-status").textContent =
              form.dataset.refused + ": " + form.dataset.tooBig;
            q.row.className = "refused";
            results.push({ ok: false, name: q.file.name, text: q.row.querySelector(".upload-status").textContent });
            return null;
          }
          return send(q.file, q.row).then(function (r) {
            results.push(r);
          });
        });
      }, Promise.resolve()).then(function () {
        input.value = "";
        var refused = results.filter(function (r) { return !r.ok; });
        if (refused.length === results.length) return;
        try {
          sessionStorage.setItem(RESULTS, JSON.stringify(refused.map(function (r) {
            return { name: r.name, text: r.text, kind: "refused" };
          })));
        } catch (e) {
          /* the refused stay unnamed after the reload */
        }
        window.location.reload();
      });
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!input.files.length) {
        list.textContent = "";
        item(list, "", form.dataset.none, "refused");
        input.focus();
        return;
      }
      start(input.files);
    });
    input.addEventListener("change", function () {
      start(input.files);
    });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (e) {
        if (e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, "Files") < 0) return;
        e.preventDefault();
        zone.classList.add("over");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () {
        zone.classList.remove("over");
      });
    });
    zone.addEventListener("drop", function (e) {
      if (!e.dataTransfer || !e.dataTransfer.files.length) return;
      e.preventDefault();
      start(e.dataTransfer.files);
    });
  }

  function grid() {
    var form = document.getElementById("photo-grid");
    if (!form) return;
    var list = document.getElementById("photo-list");
    var status = document.getElementById("photo-status");

    function say(text) {
      status.textContent = "";
      window.setTimeout(function () {
        status.textContent = text;
      }, 50);
    }

    function renumber() {
      var items = list.querySelectorAll(".photo-item");
      items.forEach(function (li, i) {
        li.querySelector(".photo-place").textContent = String(i + 1);
      });
      return items.length;
    }

    function post(li, fields) {
      var data = new FormData();
      data.append("csrf_token", csrf(form));
      Object.keys(fields).forEach(function (k) {
        data.append(k, fields[k]);
      });
      return fetch(li.dataset.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrf(form) },
      }).then(function (r) {
        return r.json().catch(function () {
          return { ok: false, message: form.dataset.failed || "" };
        });
      });
    }

    function place(li) {
      return Array.prototype.indexOf.call(list.children, li) + 1;
    }

    function moved(li, focus) {
      var m = renumber();
      say(form.dataset.moved.replace("{n}", place(li)).replace("{m}", m));
      if (focus) focus.focus();
    }

    function confirmRemove(li) {
      return new Promise(function (resolve) {
        var dialog = document.createElement("dialog");
        dialog.setAttribute("aria-labelledby", "remove-title");
        var h = document.createElement("h2");
        h.id = "remove-title";
        h.textContent = form.dataset.confirmTitle;
        var caption = li.querySelector("input[name$='-caption']");
        var p = document.createElement("p");
        p.textContent = (caption && caption.value) || li.querySelector("img").alt || "";
        var yes = document.createElement("button");
        yes.type = "button";
        yes.className = "danger";
        yes.textContent = form.dataset.confirmYes;
        var no = document.createElement("button");
        no.type = "button";
        no.textContent = form.dataset.confirmNo;
        var actions = document.createElement("div");
        actions.className = "row-actions";
        actions.appendChild(yes);
        actions.appendChild(no);
        dialog.appendChild(h);
        dialog.appendChild(p);
        dialog.appendChild(actions);
        document.body.appendChild(dialog);
        function done(answer) {
          dialog.close();
          dialog.remove();
          resolve(answer);
        }
        yes.addEventListener("click", function () { done(true); });
        no.addEventListener("click", function () { done(false); });
        dialog.addEventListener("cancel", function (e) {
          e.preventDefault();
          done(false);
        });
        dialog.showModal();
        no.focus();
      });
    }

    form.addEventListener("click", function (e) {
      var button = e.target.closest("button[data-what]");
      if (!button) return;
      e.preventDefault();
      var li = button.closest(".photo-item");
      var what = button.dataset.what;
      if (what === "up" || what === "down") {
        var other = what === "up" ? li.previousElementSibling : li.nextElementSibling;
        if (!other) {
          say(form.dataset.moved.replace("{n}", place(li)).replace("{m}", renumber()));
          return;
        }
        post(li, { what: what }).then(function (r) {
          if (!r.ok) return say(r.message);
          if (what === "up") list.insertBefore(li, other);
          else list.insertBefore(other, li);
          moved(li, button);
        });
        return;
      }
      if (what === "remove") {
        confirmRemove(li).then(function (yes) {
          if (!yes) return button.focus();
          post(li, { what: "remove", confirm: "1" }).then(function (r) {
            if (!r.ok) return say(r.message);
            var next = li.nextElementSibling || li.previousElementSibling;
            li.remove();
            renumber();
            say(r.message);
            if (!next) return window.location.reload();
            next.querySelector("button[data-what]").focus();
          });
        });
        return;
      }
      post(li, { what: what }).then(function (r) {
        if (!r.ok) return say(r.message);
        if (r.thumb) {
          li.querySelector("img").src = r.thumb;
          li.querySelector(".photo-size").textContent = r.size;
        }
        if (what === "cover") return window.location.reload();
        say(r.message);
      });
    });

    // dragging a photo by its picture; the drop saves the new place
    var dragged = null;
    list.addEventListener("dragstart", function (e) {
      var li = e.target.closest && e.target.closest(".photo-item");
      if (!li) return;
      dragged = li;
      li.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", li.dataset.id);
    });
    list.addEventListener("dragover", function (e) {
      if (!dragged) return;
      e.preventDefault();
      var over = e.target.closest(".photo-item");
      if (!over || over === dragged) return;
      var box = over.getBoundingClientRect();
      var after = e.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextElementSibling : over);
    });
    list.addEventListener("drop", function (e) {
      if (dragged) e.preventDefault();
    });
    list.addEventListener("dragend", function () {
      if (!dragged) return;
      var li = dragged;
      dragged = null;
      li.classList.remove("dragging");
      post(li, { what: "move", position: String(place(li)) }).then(function (r) {
        if (!r.ok) return say(r.message);
        moved(li, null);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    uploads();
    grid();
  });
})();
