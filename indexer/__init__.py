"""Search index of the knowledge base: passages → FAISS + Dutch BM25, and hybrid search.

Modules: `build` (build_index), `store` (index directory, load_index), `search`
(Searcher, Hit, hit_to_json), `embedders`, `lexical`, `dense`, `textproc`, `passages`,
`cache`. Nothing is imported here so that ``import indexer.textproc`` stays light.
"""

__version__ = "0.1.0"
