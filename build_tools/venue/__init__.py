"""The offline venue kit: `python -m build_tools.venue prepare KIT_DIR` at home (online), then
`python -m build_tools.venue serve KIT_DIR` at the venue (no internet needed).

One module, one job: layout (where things go in a kit), sitebuild (the site with its self-hosted
runtime), pyodide_packages (packages="..." the pages load), requirements (what the notebooks pip
install), wheels (the wheels and their PEP 503 index), tiktoken_cache (the BPE ranks), downloads
(datasets and weights the notebooks fetch), readme (README.txt), prepare (runs them in order),
server (one LAN server for all of it). The organizers' guide is docs/organizers/offline-venue.md.
"""
