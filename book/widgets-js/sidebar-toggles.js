// The sidebar buttons a reader sees work: pydata-sphinx-theme 0.17 and sphinx-book-theme 1.3 bind their
// click handlers to the FIRST .primary-toggle / .secondary-toggle of the page, a hidden duplicate in the
// theme's navbar, so the visible ones (in the article header) did nothing. Forward their clicks to it.
document.addEventListener("DOMContentLoaded", () => {
  for (const kind of ["primary-toggle", "secondary-toggle"]) {
    const [bound, ...others] = document.querySelectorAll(`.${kind}`);
    for (const button of others) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        bound.click();
      });
    }
  }
});
