"""Classroom mode: ``talkdown serve`` serves the terminal app to browsers.

One trainer's machine runs the server; every browser that opens its page gets
a talkdown of its own (a process started by textual-serve) that asks who is
playing and records into the results store on that machine.

* `session` — one browser's talkdown: its options, the command line the
  server runs for it, and the process's entry point.
* `places` — how many sessions may run at once, and who was turned away.
* `hosts` — what an address to listen on means (this computer only, or a
  network) and the address trainees type.
* `server` — the web server (textual-serve underneath): the page, the
  sessions, the cap.

Only `server` needs the ``[serve]`` extra; the rest is plain Python, so the
command line can check its options and explain a missing extra first.
"""
