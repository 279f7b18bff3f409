/* Suggestions under the site search box (#site-search) as the buyer types.
 *
 * Progressive enhancement: without this script the box is a plain GET form.
 * The input becomes an ARIA 1.2 combobox with a listbox popup; arrow keys move
 * the active option (aria-activedescendant), Enter picks it, Escape closes.
 * Suggestions come as JSON from the URL in the form's data-suggest attribute,
 * or <form action>/suggest. No inline script or style: CSP-safe.
 */
(function () {
  "use strict";

  var input = document.getElementById("site-search");
  if (!input || !input.form || !window.fetch) {
    return;
  }
  var form = input.form;
  var script = document.currentScript;
  var suggestUrl = form.getAttribute("data-suggest") ||
    form.getAttribute("action").replace(/\/?$/, "/suggest");

  // The stylesheet for the popup, linked from here so every page gets it.
  if (script && script.src && !document.querySelector("link[data-search-css]")) {
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = script.src.replace(/js\/search\.js(\?.*)?$/, "css/search.css");
    css.setAttribute("data-search-css", "");
    document.head.appendChild(css);
  }

  var list = document.createElement("ul");
  list.id = "site-search-suggestions";
  list.className = "search-suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", input.labels && input.labels[0] ? input.labels[0].textContent : "");
  list.hidden = true;
  input.insertAdjacentElement("afterend", list);

  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  list.insertAdjacentElement("afterend", status);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");

  var items = [];
  var active = -1;
  var timer = null;
  var controller = null;
  var lastQuery = "";

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function setActive(index) {
    var options = list.children;
    if (active >= 0 && options[active]) {
      options[active].setAttribute("aria-selected", "false");
    }
    active = index;
    if (active >= 0 && options[active]) {
      options[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(index) {
    var item = items[index];
    if (!item) {
      return;
    }
    input.value = item.text;
    close();
    window.location.assign(item.url);
  }

  function render(suggestions, statusText) {
    items = suggestions;
    list.textContent = "";
    active = -1;
    suggestions.forEach(function (item, index) {
      var option = document.createElement("li");
      option.id = "site-search-option-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      var text = document.createElement("span");
      text.textContent = item.text;
      var kind = document.createElement("span");
      kind.className = "suggestion-kind";
      kind.textContent = item.kind_label || "";
      option.appendChild(text);
      option.appendChild(kind);
      // mousedown, not click: it fires before the input loses focus.
      option.addEventListener("mousedown", function (event) {
        event.preventDefault();
        choose(index);
      });
      list.appendChild(option);
    });
    if (suggestions.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    } else {
      close();
    }
    // Translated on the server, like every other string the buyer reads.
    status.textContent = statusText || "";
  }

  function fetchSuggestions() {
    var query = input.value.trim();
    if (query === lastQuery) {
      return;
    }
    lastQuery = query;
    if (!query) {
      render([]);
      return;
    }
    if (controller) {
      controller.abort();
    }
    controller = window.AbortController ? new AbortController() : null;
    var url = suggestUrl + "?q=" + encodeURIComponent(query);
    fetch(url, { headers: { Accept: "application/json" }, signal: controller ? controller.signal : undefined })
      .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
      .then(function (data) {
        if (input.value.trim() === query) {
          render(data.suggestions || [], data.status);
        }
      })
      .catch(function () { /* offline or aborted: the plain form still works */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(fetchSuggestions, 150);
  });

  input.addEventListener("keydown", function (event) {
    var open = !list.hidden && items.length;
    if (event.key === "ArrowDown") {
      if (!open) {
        lastQuery = "";
        fetchSuggestions();
        return;
      }
      event.preventDefault();
      setActive((active + 1) % items.length);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      setActive(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });

  input.addEventListener("blur", function () {
    window.setTimeout(close, 100);
  });
})();
