"""Devices' writes, one module per concern: terminals (`terminals`), consent (`consent`),
templates and their sync sequence (`templates`), decisions at the door (`access`)."""
