// The theme's markup made accessible (axe-core finds none of these once this has run; see tests/course/test_browser.py):
// - a sidebar section's fold toggle, a <summary> that holds only an icon, is named after the section it folds,
//   and a <summary> with text ("Show code cell source") is named by its text;
// - the search field's accessible name is its visible text ("Search Ctrl+K"), not an aria-label that differs;
// - the colour-mode button's icons are decoration: the button is named by its aria-label, "Color mode";
// - an output that scrolls sideways can be focused, so that a keyboard can scroll it.
(function () {
  function label() {
    document.querySelectorAll("summary").forEach(function (summary) {
      if (summary.textContent.trim()) {  // "Show code cell source": its text names it, not "Toggle hidden content"
        summary.removeAttribute("aria-label");
        return;
      }
      if (summary.hasAttribute("aria-label")) { return; }
      var item = summary.closest("li");
      var link = item && item.querySelector(":scope > a");
      summary.setAttribute("aria-label", "Show or hide the pages under " + (link ? link.textContent.trim() : "this section"));
    });
    document.querySelectorAll(".search-button-field[aria-label]").forEach(function (button) {
      button.removeAttribute("aria-label");
    });
    document.querySelectorAll(".theme-switch-button .theme-switch, .theme-switch-button svg").forEach(function (icon) {
      icon.removeAttribute("title");
      icon.setAttribute("aria-hidden", "true");
      icon.querySelectorAll("title").forEach(function (title) { title.remove(); });
    });
  }
  // an output that scrolls sideways (a wide table, a figure on a phone) can be reached and scrolled with the keyboard
  function scrollables() {
    document.querySelectorAll(".cell_output, .cell_output .output.text_html").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "Output of a cell, scrolls sideways");
      }
    });
  }
  window.addEventListener("load", scrollables);
  window.addEventListener("resize", scrollables);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", label);
  } else {
    label();
  }
  window.addEventListener("load", label);  // again once the icon script has replaced <i> with <svg>
})();
