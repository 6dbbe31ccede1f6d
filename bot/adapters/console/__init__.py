"""The console adapter: chat on standard input and output, and the console sender."""
