// Progressive enhancements for the shared layout. Every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    // Language switcher: submit as soon as a language is picked.
    document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      select.addEventListener("change", function () {
        select.form.submit();
      });
    });

    // User menu: close on Escape or a click outside.
    var menus = document.querySelectorAll("details[data-menu]");
    document.addEventListener("click", function (event) {
      menus.forEach(function (menu) {
        if (menu.open && !menu.contains(event.target)) menu.open = false;
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      menus.forEach(function (menu) {
        if (menu.open) {
          menu.open = false;
          menu.querySelector("summary").focus();
        }
      });
    });

    // Show / hide password buttons.
    document.querySelectorAll("[data-toggle-password]").forEach(function (button) {
      var input = document.getElementById(button.getAttribute("data-toggle-password"));
      if (!input) return;
      var showLabel = button.textContent;
      var hideLabel = button.getAttribute("data-label-hide") || showLabel;
      button.hidden = false;
      button.addEventListener("click", function () {
        var reveal = input.type === "password";
        input.type = reveal ? "text" : "password";
        button.textContent = reveal ? hideLabel : showLabel;
        button.setAttribute("aria-pressed", reveal ? "true" : "false");
      });
    });

    // Copy the MFA secret or the recovery codes.
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) return;
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = source.tagName === "UL"
          ? Array.prototype.map.call(source.querySelectorAll("li"), function (li) {
              return li.textContent.trim();
            }).join("\n")
          : source.textContent.replace(/\s+/g, "");
        navigator.clipboard.writeText(text).then(function () {
          button.textContent = "✓";
          setTimeout(function () { button.textContent = label; }, 1500);
        });
      });
    });

    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
