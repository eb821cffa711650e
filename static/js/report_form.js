/* The report form on a phone: photos chosen (several at once, from the gallery or the
   camera) are scaled down in the browser before upload, shown as previews with a caption
   each, and put back into the file input, so that a plain submit and the outbox
   (new FormData(form, submitter)) both send the scaled files.

   - A JPEG, PNG or WebP longer than MAX_SIDE px on its longer side is drawn on a canvas
     (createImageBitmap, imageOrientation "from-image") and re-encoded as JPEG. The
     original JPEG's EXIF (APP1) is spliced into the new file with its orientation set to
     1: the capture time and GPS position are evidence the server reads, and the pixels
     are already upright. A HEIC (which Chromium cannot decode) or a photo that cannot be
     decoded is sent as it is; the server converts or refuses it.
   - Captions are posted as the list photo_caption, in the order of the files.
   - The submit buttons are disabled while photos are being scaled.
   - Re-initialised on "shanwang:content" (the outbox swaps in a 400 answer's <main>).
   No inline script or style: the CSP is strict. Texts come from the form's data-text-*
   attributes, translated by the template. */
(function () {
  "use strict";
  var MAX_SIDE = 2560;
  var QUALITY = 0.85;
  var SCALABLE = /^image\/(jpeg|png|webp)$/;

  function text(form, name) {
    return form.getAttribute("data-text-" + name) || "";
  }

  // --- EXIF: copy the original's APP1 "Exif" segment into the scaled JPEG -------------

  /* Return the bytes of the APP1 Exif segment of a JPEG (marker included), or null. */
  function exifSegment(bytes) {
    if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) {
      return null;
    }
    var offset = 2;
    while (offset + 4 <= bytes.length && bytes[offset] === 0xff) {
      var marker = bytes[offset + 1];
      if (marker === 0xda || marker === 0xd9) {
        return null; // start of scan or end of image: no EXIF before the picture
      }
      var length = (bytes[offset + 2] << 8) | bytes[offset + 3];
      if (
        marker === 0xe1 &&
        length >= 8 &&
        bytes[offset + 4] === 0x45 && // E
        bytes[offset + 5] === 0x78 && // x
        bytes[offset + 6] === 0x69 && // i
        bytes[offset + 7] === 0x66 && // f
        bytes[offset + 8] === 0 &&
        bytes[offset + 9] === 0
      ) {
        return bytes.slice(offset, offset + 2 + length);
      }
      offset += 2 + length;
    }
    return null;
  }

  /* Set the orientation tag (0x0112) of IFD0 to 1 ("upright") in an APP1 segment. */
  function uprightOrientation(segment) {
    var view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
    var tiff = 10; // FF E1, length (2), "Exif\0\0"
    if (segment.length < tiff + 8) {
      return segment;
    }
    var little = view.getUint16(tiff) === 0x4949; // "II"
    var ifd = tiff + view.getUint32(tiff + 4, little);
    if (ifd + 2 > segment.length) {
      return segment;
    }
    var count = view.getUint16(ifd, little);
    for (var index = 0; index < count; index++) {
      var entry = ifd + 2 + index * 12;
      if (entry + 12 > segment.length) {
        break;
      }
      if (view.getUint16(entry, little) === 0x0112) {
        view.setUint16(entry + 8, 1, little);
        break;
      }
    }
    return segment;
  }

  /* Return the scaled JPEG's bytes with the EXIF segment inserted after its SOI. */
  function withExif(jpeg, segment) {
    var result = new Uint8Array(jpeg.length + segment.length);
    result.set(jpeg.subarray(0, 2), 0);
    result.set(segment, 2);
    result.set(jpeg.subarray(2), 2 + segment.length);
    return result;
  }

  // --- Scaling ------------------------------------------------------------------------

  function jpegName(name) {
    return name.replace(/\.[^./\\]*$/, "") + ".jpg";
  }

  function canvasBlob(canvas) {
    return new Promise(function (resolve, reject) {
      canvas.toBlob(
        function (blob) {
          if (blob) {
            resolve(blob);
          } else {
            reject(new Error("toBlob"));
          }
        },
        "image/jpeg",
        QUALITY
      );
    });
  }

  /* Resolve to the file to upload: scaled when the photo is larger than MAX_SIDE. */
  function scaled(file) {
    if (!SCALABLE.test(file.type) || typeof createImageBitmap !== "function") {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" })
      .then(function (bitmap) {
        var longer = Math.max(bitmap.width, bitmap.height);
        if (longer <= MAX_SIDE) {
          bitmap.close();
          return file;
        }
        var ratio = MAX_SIDE / longer;
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * ratio);
        canvas.height = Math.round(bitmap.height * ratio);
        var context = canvas.getContext("2d");
        context.imageSmoothingQuality = "high";
        context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        bitmap.close();
        return Promise.all([
          canvasBlob(canvas).then(function (blob) { return blob.arrayBuffer(); }),
          file.type === "image/jpeg" ? file.arrayBuffer() : Promise.resolve(null),
        ]).then(function (buffers) {
          var jpeg = new Uint8Array(buffers[0]);
          var segment = buffers[1] ? exifSegment(new Uint8Array(buffers[1])) : null;
          var bytes = segment ? withExif(jpeg, uprightOrientation(segment)) : jpeg;
          return new File([bytes], jpegName(file.name), {
            type: "image/jpeg",
            lastModified: file.lastModified,
          });
        });
      })
      .catch(function () {
        return file; // not decodable here: the server decides
      });
  }

  // --- The form -----------------------------------------------------------------------

  function setUp(form) {
    if (form.reportFormReady) {
      return;
    }
    form.reportFormReady = true;
    var input = form.querySelector('input[type="file"][name="photo"]');
    var previews = form.querySelector("[data-photo-previews]");
    var status = form.querySelector("[data-photo-status]");
    var fallback = form.querySelector("[data-caption-fallback]");
    if (!input || !previews || typeof DataTransfer !== "function") {
      return;
    }
    if (fallback) {
      fallback.remove(); // a caption per photo instead
    }
    var chosen = []; // {file, caption, url}
    var busy = 0;

    function buttons(disabled) {
      form.querySelectorAll('button[type="submit"]').forEach(function (button) {
        button.disabled = disabled;
      });
    }

    function syncInput() {
      var transfer = new DataTransfer();
      chosen.forEach(function (item) { transfer.items.add(item.file); });
      input.files = transfer.files;
    }

    function render() {
      previews.replaceChildren();
      chosen.forEach(function (item, index) {
        var entry = document.createElement("li");
        entry.className = "report-thumb";
        entry.setAttribute("data-testid", "photo-preview");
        var image = document.createElement("img");
        image.src = item.url;
        image.alt = item.file.name;
        var captionId = "photo_caption_" + index;
        var label = document.createElement("label");
        label.className = "visually-hidden";
        label.htmlFor = captionId;
        label.textContent = text(form, "caption").replace("%(number)s", String(index + 1));
        var caption = document.createElement("input");
        caption.type = "text";
        caption.name = "photo_caption";
        caption.id = captionId;
        caption.maxLength = 200;
        caption.className = "form-control form-control-sm";
        caption.placeholder = text(form, "caption-placeholder");
        caption.value = item.caption;
        caption.addEventListener("input", function () { item.caption = caption.value; });
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn btn-sm btn-outline-danger";
        remove.textContent = text(form, "remove");
        remove.addEventListener("click", function () {
          URL.revokeObjectURL(item.url);
          chosen.splice(chosen.indexOf(item), 1);
          syncInput();
          render();
        });
        entry.append(image, label, caption, remove);
        previews.appendChild(entry);
      });
    }

    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files);
      // What the input now holds replaces its files: put back those chosen before.
      syncInput();
      if (!files.length) {
        return;
      }
      busy += 1;
      buttons(true);
      status.textContent = text(form, "scaling");
      status.hidden = false;
      Promise.all(files.map(scaled)).then(function (results) {
        results.forEach(function (file) {
          chosen.push({ file: file, caption: "", url: URL.createObjectURL(file) });
        });
        syncInput();
        render();
        busy -= 1;
        if (!busy) {
          buttons(false);
          status.hidden = true;
          status.textContent = "";
        }
        form.dispatchEvent(new Event("shanwang:photos-ready"));
      });
    });
  }

  function init() {
    document.querySelectorAll("form[data-report-form]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  document.addEventListener("shanwang:content", init);
})();
