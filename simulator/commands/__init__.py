"""One module per ``talkdown`` command, plus helpers they share."""
