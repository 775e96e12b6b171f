extensions = ["myst_parser", "kbsite"]
language = "nl"
myst_enable_extensions = ["colon_fence", "deflist"]
html_baseurl = "https://kennisbank.test/"
exclude_patterns = ["_build", "seeds"]
kb_seeds_dir = "seeds"
