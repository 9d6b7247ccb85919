// The study player: opens a study session, resumes where the learner left off, reports playback
// with a heartbeat, and obeys the server (which alone decides what counts as study time).
(function () {
  "use strict";
  const root = document.getElementById("player");
  if (!root) return;
  const video = document.getElementById("video");
  const status = document.getElementById("player-status");
  const resumeHere = document.getElementById("resume-here");
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  let session = null;
  let sequence = 0;
  let furthest = 0;
  let timer = null;
  // Whether the video played since the last accepted beat: the beat sent as playback pauses or ends,
  // or one the server refused, must still report the stretch played although the video now stands.
  let playedSinceBeat = false;

  function say(text) { status.textContent = text || ""; }

  async function api(path, body, keepalive) {
    const response = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      keepalive: Boolean(keepalive),
      headers: { "Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(csrf) },
      body: JSON.stringify(body || {}),
    });
    const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, data: data };
  }

  async function open() {
    const result = await api("/api/study/sessions", { lesson_id: Number(root.dataset.lesson) });
    if (!result.ok) { say(result.data.message || root.dataset.msgError); return; }
    session = result.data;
    sequence = 0;
    playedSinceBeat = false;
    furthest = session.furthest;
    resumeHere.hidden = true;
    say("");
    const start = () => {
      if (session.resume_position > 0 && session.resume_position < video.duration) {
        video.currentTime = session.resume_position;
      }
    };
    if (!video.src) {
      video.addEventListener("loadedmetadata", start, { once: true });
      video.src = session.video_url;
    } else {
      start();
    }
    clearInterval(timer);
    timer = setInterval(beat, session.heartbeat_seconds * 1000);
  }

  async function beat() {
    if (!session) return;
    sequence += 1;
    const playing = playedSinceBeat || (!video.paused && !video.ended);
    playedSinceBeat = !video.paused && !video.ended;
    const result = await api(`/api/study/sessions/${session.session_id}/heartbeats`, {
      sequence: sequence, position: video.currentTime || 0, playing: playing,
    }).catch(() => ({ ok: false, status: 0, data: {} }));
    if (!result.ok && playing) playedSinceBeat = true;
    if (result.ok) {
      furthest = Math.max(furthest, result.data.furthest);
      document.getElementById("watched").textContent = Math.round(result.data.watched_ratio * session.duration);
      document.getElementById("study-time").textContent = Math.round(result.data.study_seconds);
      if (result.data.lesson_complete) document.getElementById("lesson-state").textContent = root.dataset.msgComplete;
      root.dataset.position = result.data.position;
      return;
    }
    const code = result.data.code;
    if (code === "session_superseded" || code === "session_closed") {
      clearInterval(timer);
      video.pause();
      session = null;
      say(root.dataset.msgSuperseded);
      resumeHere.hidden = false;
    } else if (code === "seek_forbidden") {
      video.currentTime = result.data.allowed_position;
      say(root.dataset.msgSeek);
    } else if (code === "heartbeat_too_soon" || code === "heartbeat_out_of_order") {
      // Harmless: the next beat carries the position.
    } else {
      say(result.data.message || root.dataset.msgError);
    }
  }

  video.addEventListener("seeking", () => {
    if (session && session.forbid_seeking && video.currentTime > furthest + 1 && video.currentTime > (session.resume_position || 0) + 1) {
      video.currentTime = Math.max(furthest, session.resume_position || 0);
      say(root.dataset.msgSeek);
    }
  });
  video.addEventListener("playing", () => { playedSinceBeat = true; });
  video.addEventListener("timeupdate", () => {
    if (!video.paused) playedSinceBeat = true;
    // Continuous playback extends what may be sought back to.
    if (!video.seeking && video.currentTime <= furthest + 3) furthest = Math.max(furthest, video.currentTime);
  });
  video.addEventListener("pause", () => { if (session) beat(); });
  resumeHere.addEventListener("click", open);
  window.addEventListener("pagehide", () => {
    if (!session) return;
    sequence += 1;
    api(`/api/study/sessions/${session.session_id}/heartbeats`, {
      sequence: sequence, position: video.currentTime || 0, playing: playedSinceBeat || !video.paused,
    }, true).finally(() => {});
    api(`/api/study/sessions/${session.session_id}/close`, {}, true);
  });
  open();
})();
