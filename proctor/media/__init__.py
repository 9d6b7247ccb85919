"""WebRTC media intake: one received video track sampled and checked with the face engine.

Nothing here knows Django models or a context's rules: `intake.VideoIntake` reads frames from an
aiortc track, measures a sample every few seconds in a thread of its own (never on the event loop
that carries the RTP packets), feeds `proctor.rules.video.VideoWatch` and reports through two
callbacks. The media worker of the app above (exam.realtime.media) owns the peer connections.
"""
