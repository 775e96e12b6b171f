extensions = ["myst_parser", "kbsite"]
language = "nl"
html_baseurl = "https://kennisbank.test/"
exclude_patterns = ["_build"]
