/* Review Portal — small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Previews of chosen files, before uploading.
  function setupPreviews() {
    document.querySelectorAll("input[type=file][data-preview]").forEach(function (input) {
      input.addEventListener("change", function () {
        var box = document.querySelector('[data-preview-for="' + input.id + '"]');
        if (!box) return;
        var file = input.files && input.files[0];
        if (!file) return;
        box.innerHTML = "";
        if (/^image\/(jpeg|png)$/.test(file.type)) {
          var img = el("img");
          img.alt = file.name;
          img.src = URL.createObjectURL(file);
          box.appendChild(img);
        } else {
          box.appendChild(el("span", "doc", file.name));
        }
      });
    });
  }

  // Show a field only when another field has one of some values: data-show-when="purpose=other"
  // or "entity_kind=public_institution|non_profit"; mark it required the same way
  // (data-required-when).
  function setupConditional(form) {
    var blocks = form.querySelectorAll("[data-show-when], [data-required-when]");
    function matches(block, attribute) {
      var rule = block.getAttribute(attribute);
      if (rule === null) return null;
      var parts = rule.split("=");
      return parts[1].split("|").indexOf(new FormData(form).get(parts[0])) !== -1;
    }
    function apply() {
      blocks.forEach(function (block) {
        var shown = matches(block, "data-show-when");
        if (shown !== null) block.hidden = !shown;
        var required = matches(block, "data-required-when");
        if (required !== null) block.classList.toggle("required", required);
      });
    }
    if (blocks.length) {
      form.addEventListener("change", apply);
      apply();
    }
  }

  // Immediate check-digit validation of USCC and resident ID numbers. The number goes in the
  // body of a POST (with the form's CSRF token), never in a URL that logs would keep.
  function setupNumberChecks(form) {
    var url = form.getAttribute("data-check-url");
    if (!url) return;
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    form.querySelectorAll("input[data-check]").forEach(function (input) {
      var out = form.querySelector('.live-msg[data-for="' + input.name + '"]');
      var run = debounce(function () {
        var value = input.value.trim();
        if (!out) return;
        if (value.length < 18) { out.textContent = ""; out.className = "live-msg"; return; }
        fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "X-CSRFToken": token ? token.value : ""
          },
          body: JSON.stringify({ kind: input.getAttribute("data-check"), value: value })
        })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            out.textContent = data.message || "";
            out.className = "live-msg " + (data.valid ? "ok" : "bad");
          })
          .catch(function () {});
      }, 250);
      input.addEventListener("input", run);
      input.addEventListener("blur", run);
      // A number the server refused already shows its error: the same message twice helps no one.
      var field = input.closest(".field");
      if (input.value && !(field && field.querySelector(".error"))) run();
    });
  }

  // Live pre-check: findings as the customer types; blocking findings disable submit.
  function setupPrecheck(form) {
    var url = form.getAttribute("data-precheck-url");
    if (!url) return;
    var panel = document.getElementById("findings");
    var list = panel && panel.querySelector(".finding-list");
    var buttons = form.querySelectorAll("[data-submit]");
    var note = form.querySelector(".blocked-note");
    var seq = 0;

    function query() {
      var params = new URLSearchParams();
      var data = new FormData(form);
      data.forEach(function (value, key) {
        if (key === "csrfmiddlewaretoken") return;
        if (value instanceof File) {
          if (value.size) params.append("material", key);
        } else if (!/-(staged|remove)$/.test(key)) {
          params.append(key, value);
        }
      });
      // A file kept from the last sending counts as chosen, unless its "remove" box is ticked.
      form.querySelectorAll("input[data-staged-kind]").forEach(function (staged) {
        var remove = form.querySelector('input[name="' + staged.name.replace(/-staged$/, "-remove") + '"]');
        if (!remove || !remove.checked) params.append("material", staged.getAttribute("data-staged-kind"));
      });
      var exclude = form.getAttribute("data-exclude");
      if (exclude) params.set("exclude", exclude);
      return params.toString();
    }

    function render(data) {
      if (!list) return;
      list.innerHTML = "";
      if (!data.findings.length) {
        list.appendChild(el("li", "finding none", panel.getAttribute("data-empty")));
      }
      data.findings.forEach(function (f) {
        var li = el("li", "finding sev-" + f.severity);
        li.appendChild(el("span", "sev", panel.getAttribute("data-" + f.severity) || f.severity));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "msg", f.message));
        li.appendChild(el("code", "", f.code));
        list.appendChild(li);
      });
      // Each finding also shows under the field it is about, where the customer is typing.
      form.querySelectorAll(".live-msg[data-precheck]").forEach(function (out) {
        out.textContent = "";
        out.className = "live-msg";
        out.removeAttribute("data-precheck");
      });
      data.findings.forEach(function (f) {
        var out = form.querySelector('.live-msg[data-for="' + f.field + '"]');
        if (!out || f.severity === "info") return;
        out.setAttribute("data-precheck", "1");
        out.className = "live-msg " + (f.severity === "block" ? "bad" : "warn");
        out.appendChild(el("div", "", f.message));
      });
      buttons.forEach(function (b) { b.disabled = data.blocking; });
      if (note) note.hidden = !data.blocking;
      form.setAttribute("data-blocking", data.blocking ? "1" : "0");
    }

    var run = debounce(function () {
      var mine = ++seq;
      panel && panel.classList.add("checking");
      fetch(url + "?" + query(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) { if (mine === seq) render(data); })
        .catch(function () {})
        .finally(function () { if (mine === seq && panel) panel.classList.remove("checking"); });
    }, 300);
    form.addEventListener("input", run);
    form.addEventListener("change", run);
    run();
  }

  // The signature preview bubble follows the content field.
  function setupSignaturePreview(form) {
    var input = form.querySelector("#id_content");
    var out = document.getElementById("sig-preview-text");
    if (!input || !out) return;
    input.addEventListener("input", function () { out.textContent = "【" + (input.value || "…") + "】"; });
  }

  // ${variable} helpers of the template form.
  function setupVariables(form) {
    var tools = form.querySelector(".var-tools");
    if (!tools) return;
    var area = document.getElementById(tools.getAttribute("data-target"));
    var summary = form.querySelector(".var-summary");
    function insert(text) {
      var start = area.selectionStart || area.value.length, end = area.selectionEnd || start;
      area.value = area.value.slice(0, start) + text + area.value.slice(end);
      area.focus();
      area.selectionStart = area.selectionEnd = start + text.length;
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }
    tools.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      if (button.hasAttribute("data-insert")) insert(button.getAttribute("data-insert"));
      if (button.hasAttribute("data-insert-custom")) {
        var name = window.prompt(button.getAttribute("data-prompt") || "", "");
        if (name && /^[A-Za-z0-9_]+$/.test(name)) insert("${" + name + "}");
      }
    });
    function summarise() {
      if (!summary) return;
      var names = (area.value.match(/\$\{([^}]*)\}/g) || []);
      summary.textContent = (names.length ? summary.getAttribute("data-label") + " " + names.join(" ") + " · " : "") +
        area.value.length + " " + summary.getAttribute("data-count-label");
    }
    area.addEventListener("input", summarise);
    summarise();
  }

  // A file kept from a refused sending: ticking "remove" shows the input as empty again.
  function setupStaged() {
    document.querySelectorAll(".staged-remove input[type=checkbox]").forEach(function (box) {
      var upload = box.closest(".upload");
      function apply() { if (upload) upload.classList.toggle("staged-removed", box.checked); }
      box.addEventListener("change", apply);
      apply();
    });
  }

  // The error summary of a refused form takes the focus (a screen reader reads it, a phone
  // shows it); each of its links moves the focus to the input in error.
  function setupErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      var input = target.matches("input, select, textarea") ? target :
        target.querySelector("input:not([type=hidden]):not([name$='-remove']), select, textarea");
      event.preventDefault();
      target.scrollIntoView({ block: "start" });
      if (input) input.focus({ preventScroll: true });
      if (window.history && history.replaceState) history.replaceState(null, "", link.getAttribute("href"));
    });
  }

  function setupConfirm() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  }

  // "Copy" beside a value shown once (a new API key): select it and put it on the clipboard;
  // where the clipboard is not available the value stays selected for Ctrl-C.
  function setupCopy() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var input = document.getElementById(button.getAttribute("data-copy"));
      if (!input) return;
      var label = button.textContent;
      button.addEventListener("click", function () {
        input.focus();
        input.select();
        var done = function () {
          button.textContent = button.getAttribute("data-copied") || label;
          window.setTimeout(function () { button.textContent = label; }, 2000);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(input.value).then(done, function () {});
        } else if (document.execCommand && document.execCommand("copy")) {
          done();
        }
      });
    });
  }

  // A form with a one-time token is sent once per page: a second click while the first sending
  // is under way does nothing (the server would answer it with the first result anyway).
  function setupSendOnce() {
    document.querySelectorAll("form input[name=form_token]").forEach(function (token) {
      var form = token.form;
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented) return;
        if (form.dataset.sending) { event.preventDefault(); return; }
        form.dataset.sending = "1";
        form.setAttribute("aria-busy", "true");
      });
    });
    // Back to a page kept in the browser's cache: its form may be sent again (same token).
    window.addEventListener("pageshow", function () {
      document.querySelectorAll("form[data-sending]").forEach(function (form) {
        delete form.dataset.sending;
        form.removeAttribute("aria-busy");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupPreviews();
    setupStaged();
    setupErrorSummary();
    setupConfirm();
    setupCopy();
    setupSendOnce();
    document.querySelectorAll("form").forEach(function (form) {
      setupConditional(form);
      setupNumberChecks(form);
      setupPrecheck(form);
      setupSignaturePreview(form);
      setupVariables(form);
    });
  });
})();
