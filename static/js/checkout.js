/* Checkout, made quicker with JavaScript; everything also works without it.
 *
 * - Address: choosing a province lists its districts, a district its
 *   subdistricts, and a subdistrict fills in the postal code, from the JSON at
 *   the form's data-areas-url. Without the script the form's "Show districts
 *   and subdistricts" button does the same through the server.
 * - Delivery: picking "send" or "pick up" for a group updates its shipping and
 *   the totals at once (the server prices the order again when it is placed),
 *   and allows cash payment only when every part is picked up.
 * No inline script or style: CSP-safe.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-areas-url]");
  if (!form || !window.fetch) {
    return;
  }
  form.classList.add("js-enhanced");
  // The buttons that ask the server to list districts or re-price are not needed now;
  // removed (not just hidden) so that Enter in a field places the order, as expected.
  Array.prototype.forEach.call(
    form.querySelectorAll(".area-chooser-button, .update-quote"),
    function (element) {
      element.parentNode.removeChild(element);
    }
  );
  var areasUrl = form.getAttribute("data-areas-url");

  function byName(name) {
    return form.elements.namedItem(name);
  }

  var province = byName("province_code");
  var district = byName("district_code");
  var subdistrict = byName("subdistrict_code");
  var postal = byName("postal_code");

  function resetSelect(select) {
    // Keep the first option: the "Choose a …" placeholder.
    while (select.options.length > 1) {
      select.remove(1);
    }
    select.value = "";
  }

  function fill(select, options) {
    resetSelect(select);
    options.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.code;
      option.textContent = item.name;
      if (item.postal_codes) {
        option.setAttribute("data-postal", item.postal_codes.join(" "));
      }
      select.appendChild(option);
    });
  }

  function load(query, select) {
    select.disabled = true;
    return fetch(areasUrl + "?" + query, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        fill(select, data.options || []);
      })
      .catch(function () {
        // Offline or refused: let the server list the areas, as without the script.
        var ask = document.createElement("input");
        ask.type = "hidden";
        ask.name = "update_areas";
        ask.value = "y";
        form.appendChild(ask);
        form.submit();
      })
      .then(function () {
        select.disabled = false;
      });
  }

  function postalCodesOf(select) {
    var option = select.options[select.selectedIndex];
    var codes = option ? option.getAttribute("data-postal") : "";
    return codes ? codes.split(" ") : [];
  }

  function suggestPostal() {
    if (!postal) {
      return;
    }
    var codes = postalCodesOf(subdistrict);
    if (codes.length && codes.indexOf(postal.value.trim()) === -1) {
      postal.value = codes[0];
    }
  }

  if (province && district && subdistrict) {
    province.addEventListener("change", function () {
      resetSelect(subdistrict);
      if (postal) {
        postal.value = "";
      }
      if (province.value) {
        load("province=" + encodeURIComponent(province.value), district);
      } else {
        resetSelect(district);
      }
    });
    district.addEventListener("change", function () {
      if (postal) {
        postal.value = "";
      }
      if (district.value) {
        load("district=" + encodeURIComponent(district.value), subdistrict);
      } else {
        resetSelect(subdistrict);
      }
    });
    subdistrict.addEventListener("change", suggestPostal);
    // The server-rendered subdistrict options carry no postal codes: fetch them once.
    if (district.value && subdistrict.options.length > 1) {
      var chosen = subdistrict.value;
      load("district=" + encodeURIComponent(district.value), subdistrict).then(function () {
        subdistrict.value = chosen;
      });
    }
  }

  // -- delivery and totals -----------------------------------------------------------------

  function baht(satang) {
    var sign = satang < 0 ? "-" : "";
    satang = Math.abs(satang);
    var whole = Math.floor(satang / 100);
    var rest = satang % 100;
    var text = sign + "\u0e3f" + String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    if (rest) {
      text += "." + (rest < 10 ? "0" : "") + rest;
    }
    return text;
  }

  var groups = Array.prototype.slice.call(form.querySelectorAll("[data-group]"));
  var cash = form.querySelector("input[name='payment_method'][data-needs-pickup]");

  function method(group) {
    var name = "delivery-" + group.getAttribute("data-group");
    var checked = form.querySelector("input[name='" + name + "']:checked");
    var hidden = form.querySelector("input[type='hidden'][name='" + name + "']");
    return checked ? checked.value : hidden ? hidden.value : "ship";
  }

  function update() {
    var subtotal = 0;
    var shipping = 0;
    var allPickup = groups.length > 0;
    groups.forEach(function (group) {
      var sub = parseInt(group.getAttribute("data-subtotal"), 10) || 0;
      var pickup = method(group) === "pickup";
      var fee = pickup ? 0 : parseInt(group.getAttribute("data-ship-fee"), 10) || 0;
      allPickup = allPickup && pickup;
      subtotal += sub;
      shipping += fee;
      var shippingCell = group.querySelector("[data-shipping]");
      var totalCell = group.querySelector("[data-group-total]");
      if (shippingCell) {
        shippingCell.textContent = baht(fee);
      }
      if (totalCell) {
        totalCell.textContent = baht(sub + fee);
      }
    });
    var totalShipping = form.querySelector("[data-total-shipping]");
    var total = form.querySelector("[data-total]");
    if (totalShipping) {
      totalShipping.textContent = baht(shipping);
    }
    var splitShipping = form.querySelector("[data-split-shipping]");
    if (splitShipping) {
      splitShipping.textContent = baht(shipping);
    }
    if (total) {
      total.textContent = baht(subtotal + shipping);
    }
    if (cash) {
      cash.disabled = !allPickup;
      if (cash.disabled && cash.checked) {
        cash.checked = false;
      }
    }
  }

  form.addEventListener("change", function (event) {
    if (event.target.name && event.target.name.indexOf("delivery-") === 0) {
      update();
    }
  });
  update();
})();
