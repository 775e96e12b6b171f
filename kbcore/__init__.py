"""The ground layer: settings and typed errors, used by every other package.

Nothing here imports the site, the indexer, the app or the CLI, so the one-way flow
(kbcore <- kbsite / indexer <- search_app <- kennisbank CLI) is visible in the tree.
"""
