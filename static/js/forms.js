// After a failed submit the page answers the POST with its form again: focus goes to the
// error summary, or else to the refusal at the top of the page, so that keyboard and
// screen-reader users start where the problem is told rather than on <body>. An error link
// focuses its field (a plain #fragment would only scroll). External file: the CSP forbids
// inline scripts.
(function () {
  "use strict";

  var script = document.currentScript;
  if (script && script.hasAttribute("data-after-post")) {
    var target = document.querySelector(".error-summary") || document.getElementById("refusal");
    if (target) {
      target.focus();
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".error-summary a[href^='#']") : null;
    if (!link) {
      return;
    }
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) {
      return;
    }
    event.preventDefault();
    // Show the field with its label or legend, which sit above it, then focus it.
    var label = field.closest("fieldset") ? field.closest("fieldset").querySelector("legend") : null;
    label = label || document.querySelector("label[for='" + CSS.escape(field.id) + "']") || field;
    label.scrollIntoView();
    field.focus({ preventScroll: true });
  });

  // A button that is not ready yet (aria-disabled, so it stays focusable) does not submit:
  // focus goes to what it is described by, the list of what is still missing.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || button.getAttribute("aria-disabled") !== "true") {
      return;
    }
    event.preventDefault();
    var reason = document.getElementById(button.getAttribute("aria-describedby") || "");
    if (reason) {
      reason.focus();
    }
  });
})();
