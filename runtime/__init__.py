"""osipsc runtime: everything a generated module calls. Never imports osipsc.compiler."""
