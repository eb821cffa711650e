/* Tap a photo to see it large: every <a data-photo-viewer href="…" data-caption="…"> on
   the page opens its picture in one <dialog>, closed by its button, Esc or a tap beside
   the picture. No inline script or style (the CSP is strict); the link still opens the
   picture by itself where this script does not run. Loaded by the report page and the
   report form (draft photos), possibly twice: it sets itself up once. */
(function () {
  "use strict";
  if (window.shanwangPhotoViewer) {
    return;
  }
  var dialog = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "photo-viewer";
    dialog.setAttribute("aria-label", document.documentElement.lang === "en" ? "Photo" : "照片");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close btn-close-white photo-viewer-close";
    close.setAttribute("aria-label", document.documentElement.lang === "en" ? "Close" : "关闭");
    close.addEventListener("click", function () { dialog.close(); });
    var figure = document.createElement("figure");
    figure.className = "photo-viewer-figure";
    var image = document.createElement("img");
    image.className = "photo-viewer-image";
    image.alt = "";
    var caption = document.createElement("figcaption");
    caption.className = "photo-viewer-caption";
    figure.appendChild(image);
    figure.appendChild(caption);
    dialog.appendChild(close);
    dialog.appendChild(figure);
    // A tap on the backdrop (the dialog itself, outside the figure) closes it.
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog || event.target === figure) {
        dialog.close();
      }
    });
    dialog.addEventListener("close", function () { image.removeAttribute("src"); });
    document.body.appendChild(dialog);
  }

  function open(link) {
    if (!dialog) {
      build();
    }
    var image = dialog.querySelector(".photo-viewer-image");
    var caption = dialog.querySelector(".photo-viewer-caption");
    var thumbnail = link.querySelector("img");
    image.src = link.href;
    image.alt = thumbnail ? thumbnail.alt : "";
    caption.textContent = link.getAttribute("data-caption") || "";
    dialog.showModal();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-photo-viewer]") : null;
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
      return;
    }
    if (typeof HTMLDialogElement === "undefined") {
      return; // an old browser opens the picture as a page
    }
    event.preventDefault();
    open(link);
  });

  window.shanwangPhotoViewer = { open: open };
})();
