// Packyard build page: follows the build's log live (Server-Sent Events, with a polling
// fallback), keeps it scrolled to the end unless the reader scrolled up, and refreshes the
// state badge, jobs and artifacts when the build changes. Everything inserted is text or HTML
// the server rendered (and escaped) for this same page.
(function () {
  "use strict";
  var pre = document.getElementById("log");
  if (!pre) {
    return;
  }
  var id = pre.getAttribute("data-build");
  var after = Number(pre.getAttribute("data-after")) || 0;
  var status = document.getElementById("log-status");
  var source = null;
  var pollTimer = null;
  var refreshTimer = null;
  var over = pre.getAttribute("data-finished") === "true";

  function nearBottom() {
    return pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40;
  }

  function scrollToEnd() {
    pre.scrollTop = pre.scrollHeight;
  }

  function append(chunk) {
    if (typeof chunk.id === "number" && chunk.id <= after) {
      return;
    }
    var follow = nearBottom();
    pre.appendChild(document.createTextNode(chunk.text));
    if (typeof chunk.id === "number") {
      after = chunk.id;
    }
    if (follow) {
      scrollToEnd();
    }
    // "== step target: ..." lines mark a job starting or ending: show it soon
    if (/(^|\n)== /.test(chunk.text)) {
      soon();
    }
  }

  var soonTimer = null;

  function soon() {
    if (!soonTimer) {
      soonTimer = setTimeout(function () {
        soonTimer = null;
        refresh();
      }, 300);
    }
  }

  function setStatus(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function setState(state) {
    var badge = document.querySelector("#state .badge");
    if (badge && state) {
      badge.textContent = state;
      badge.className = "badge s-" + state;
      badge.setAttribute("data-state", state);
    }
  }

  // re-renders the parts of the page marked data-refresh from a fresh copy of this page
  function refresh() {
    return fetch(window.location.pathname, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-refresh][id]").forEach(function (el) {
          var fresh = doc.getElementById(el.id);
          // only what changed, so that links and buttons under the reader's finger stay put
          if (fresh && fresh.innerHTML !== el.innerHTML) {
            el.innerHTML = fresh.innerHTML;
          }
        });
        var badge = doc.querySelector("#state .badge");
        if (badge) {
          setState(badge.getAttribute("data-state"));
        }
      })
      .catch(function () { /* the next refresh tries again */ });
  }

  function finished(state) {
    over = true;
    if (source) {
      source.close();
      source = null;
    }
    if (pollTimer) {
      clearTimeout(pollTimer);
      pollTimer = null;
    }
    if (refreshTimer) {
      clearInterval(refreshTimer);
      refreshTimer = null;
    }
    setState(state);
    setStatus("(build " + (state || "over") + ")");
    refresh();
  }

  function poll() {
    pollTimer = null;
    fetch("/api/builds/" + encodeURIComponent(id) + "/log?after=" + after, {cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (body) {
        (body.chunks || []).forEach(append);
        if (body.finished) {
          return fetch("/api/builds/" + encodeURIComponent(id), {cache: "no-store"})
            .then(function (r) { return r.json(); })
            .then(function (b) { finished(b.state); });
        }
        pollTimer = setTimeout(poll, (body.chunks || []).length ? 500 : 2000);
      })
      .catch(function () {
        setStatus("(reconnecting…)");
        pollTimer = setTimeout(poll, 5000);
      });
  }

  var failures = 0;

  function stream() {
    source = new EventSource("/api/builds/" + encodeURIComponent(id) + "/log/stream?after=" + after);
    source.onopen = function () {
      failures = 0;
      setStatus("(live)");
    };
    source.addEventListener("log", function (e) {
      try {
        append(JSON.parse(e.data));
      } catch (err) { /* ignore a malformed event */ }
    });
    source.addEventListener("end", function (e) {
      var state = null;
      try {
        state = JSON.parse(e.data).state;
      } catch (err) { /* keep the badge */ }
      finished(state);
    });
    source.onerror = function () {
      // the server ends a stream after a while, or it broke (proxy, restart): open a new one
      // from the last chunk seen; after repeated failures, poll instead
      if (source) {
        source.close();
        source = null;
      }
      if (over) {
        return;
      }
      failures++;
      if (failures > 3) {
        setStatus("(polling)");
        poll();
      } else {
        setTimeout(function () {
          if (!over) {
            stream();
          }
        }, 1000 * failures);
      }
    };
  }

  scrollToEnd();
  if (over) {
    return;
  }
  if (window.EventSource) {
    stream();
  } else {
    poll();
  }
  // jobs, workers and artifacts change while the build runs
  refreshTimer = setInterval(function () {
    if (!over && !document.hidden) {
      refresh();
    }
  }, 5000);
})();
