"""The text documents the client has open, found by the URI the client sent.

pygls keys ``Workspace.text_documents`` by the *unquoted* URI, while a client names a document
by the URI it sent (VS Code quotes: ``file:///home/u/my%20project/a.py``) and matches every
answer (diagnostics, edits) against that same string. Looking a quoted URI up in the dict
directly finds nothing, and the file silently got no diagnostics; every lookup goes through here.
"""

from __future__ import annotations

from urllib.parse import unquote

from pygls.workspace import TextDocument, Workspace


def text_document(workspace: Workspace, uri: str) -> TextDocument | None:
    """The open document the client calls ``uri``; ``None`` when it is not open.

    (``Workspace.get_text_document`` would make one from the file on disk instead.)
    """
    document: TextDocument | None = workspace.text_documents.get(unquote(uri))
    return document


def open_uris(workspace: Workspace) -> list[str]:
    """The URIs of the open documents, each as its client sent it."""
    return [document.uri for document in workspace.text_documents.values()]
