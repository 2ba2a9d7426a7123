/* Event times in the reader's own time zone too (for online attendees).
   The build writes <span class="event-when" data-timezone="Zone"> around <time datetime="ISO">
   elements (build_tools/site/events.py); where the reader's clock reads differently from the
   venue's, this adds "(your time: …)" after it. Runs on every page, also after instant navigation. */
(function () {
  "use strict";
  var OPTIONS = { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
                  hourCycle: "h23" };

  function parts(date, zone) {
    var options = Object.assign({}, OPTIONS);
    if (zone) options.timeZone = zone;
    var out = {};
    new Intl.DateTimeFormat("en-GB", options).formatToParts(date).forEach(function (p) { out[p.type] = p.value; });
    return { day: out.weekday + " " + out.day + " " + out.month, time: out.hour + ":" + out.minute };
  }

  function annotate(root) {
    var reader;
    try { reader = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
    root.querySelectorAll(".event-when[data-timezone]").forEach(function (el) {
      if (el.nextElementSibling && el.nextElementSibling.classList.contains("event-local-time")) return;
      var times = el.querySelectorAll("time[datetime]");
      if (!times.length) return;
      var start = new Date(times[0].getAttribute("datetime"));
      var end = times.length > 1 ? new Date(times[times.length - 1].getAttribute("datetime")) : null;
      if (isNaN(start)) return;
      var zone = el.getAttribute("data-timezone");
      var venue, local, localEnd;
      try { venue = [parts(start, zone), end && parts(end, zone)]; } catch (e) { return; }
      local = parts(start);
      localEnd = end && parts(end);
      var same = venue[0].day === local.day && venue[0].time === local.time &&
        (!end || (venue[1].day === localEnd.day && venue[1].time === localEnd.time));
      if (same) return;
      var text = local.day + ", " + local.time;
      if (end) text += "–" + (localEnd.day === local.day ? "" : localEnd.day + ", ") + localEnd.time;
      var note = document.createElement("span");
      note.className = "event-local-time";
      note.textContent = " (your time: " + text + (reader ? ", " + reader.replace(/_/g, " ") : "") + ")";
      el.after(note);
    });
  }

  if (typeof document$ !== "undefined" && document$.subscribe) {
    document$.subscribe(function () { annotate(document); });   // Material: each page, instant nav too
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { annotate(document); });
  } else {
    annotate(document);
  }
})();
