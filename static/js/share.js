/* Share buttons: the phone's own share sheet (Web Share API) where it exists, else copy the link. */
(function () {
  "use strict";

  function say(button, message, url) {
    var status = button.closest(".share-bar").querySelector(".share-status");
    if (!status) return;
    status.textContent = message;
    if (url) {
      var shown = document.createElement("input");
      shown.type = "text";
      shown.readOnly = true;
      shown.value = url;
      shown.className = "share-address";
      status.appendChild(document.createTextNode(" "));
      status.appendChild(shown);
      shown.select();
    }
  }

  function copyByHand(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (error) { done = false; }
    document.body.removeChild(area);
    return done;
  }

  function copy(button) {
    var url = button.dataset.shareUrl;
    var ok = function () { say(button, button.dataset.copied); };
    var failed = function () {
      if (copyByHand(url)) ok(); else say(button, button.dataset.failed, url);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(ok, failed);
    } else {
      failed();
    }
  }

  document.querySelectorAll("button[data-share-url]").forEach(function (button) {
    var native = button.dataset.nativeLabel && typeof navigator.share === "function";
    if (native) button.textContent = button.dataset.nativeLabel;
    button.hidden = false;
    button.addEventListener("click", function () {
      if (native) {
        navigator.share({ title: button.dataset.shareTitle, url: button.dataset.shareUrl })
          .catch(function (error) { if (error && error.name !== "AbortError") copy(button); });
      } else {
        copy(button);
      }
    });
  });
})();
