// The widget manager (html-manager/embed-amd.js) finds its fonts next to the
// module it registers as "@jupyter-widgets/...". Point that name at the copy
// this book serves, so no request leaves the reader's machine.
(function () {
  var here = document.currentScript.src;
  var base = here.slice(0, here.lastIndexOf("/") + 1) + "html-manager";
  require.config({ paths: { "@jupyter-widgets/html-manager/dist": base, "@jupyter-widgets": base } });
})();
