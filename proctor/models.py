"""Face profiles, the face engine, snapshots, proctoring events and the capture log."""
