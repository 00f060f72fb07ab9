"""Web page helpers: rendering, form parsing, upload staging. No gradio import here."""
