"""Jupyter notebooks (LSP 3.17 notebook document sync): the Python cells checked as one program.

A notebook runs its cells in order in one namespace, so a name defined in cell 1 is known in
cell 3. The server therefore analyses a notebook as one *virtual document*: its Python code
cells joined in order, each starting on a new line, after a one-line prelude defining IPython's
builtins (``display``, ``get_ipython``). The virtual document goes through the same analysis,
fix plan and verifier as a file; this module only maps between it and the cells:

- diagnostics are split by line and published on each cell's URI, in the cell's coordinates;
- a code action or hover asked on a cell is asked on the virtual document at the shifted
  position, and its edits come back as edits of the cell (pinned to the cell's version); an
  action whose edit would cross a cell boundary is not offered;
- IPython's line magics and shell escapes (``%matplotlib inline``, ``!pip install x``) are
  masked as comments of the same length, and a cell magic cell (``%%time``) entirely, so they
  are neither errors nor "fixed".

Model actions ("Fix this function with DebugLLM") are not offered in notebooks: their edit comes
from ``codeAction/resolve``, and VS Code never resolves an action that already has an edit,
which notebook actions need to carry the cell mapping.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote

from debugllm.lsp import opened
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument, Workspace

if TYPE_CHECKING:
    from debugllm.lsp.documents import DocumentState
    from debugllm.settings import Settings

#: Notebooks whose Python cells the client sends (VS Code: every notebook type).
SYNC_OPTIONS = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithNotebook(
            notebook="*", cells=[types.NotebookCellLanguage(language="python")]
        )
    ]
)

#: IPython's builtins a notebook uses without importing them.
PRELUDE = "display = get_ipython = In = Out = None  # debugllm: ignore\n"
PRELUDE_LINES = PRELUDE.count("\n")
#: The virtual document of a notebook: never a URI the client opens.
VIRTUAL_SUFFIX = "#debugllm-notebook"

#: The server's own handlers, bound to it, which a cell's request is forwarded to.
CodeActionHandler = Callable[[types.CodeActionParams], Awaitable[list[types.CodeAction] | None]]
ResolveHandler = Callable[[types.CodeAction], Awaitable[types.CodeAction]]
HoverHandler = Callable[[types.HoverParams], Awaitable[types.Hover | None]]


class NotebookHost(Protocol):
    """What notebooks need of the language server (``lsp.server``, which imports this module)."""

    @property
    def workspace(self) -> Workspace: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def notebooks(self) -> Notebooks: ...

    def opened(self, uri: str) -> None: ...

    def schedule(self, uri: str, delay: float, small_edit: bool = False) -> None: ...

    def cancel_model(self, uri: str) -> None: ...

    def close(self, uri: str) -> None: ...

    def text_document_publish_diagnostics(self, params: types.PublishDiagnosticsParams) -> None: ...


@dataclass(frozen=True)
class Cell:
    uri: str
    #: First line of the cell in the virtual document, and how many lines it has there.
    first_line: int
    line_count: int
    #: Length of each of the cell's lines, to clamp positions on the joining newline.
    line_lengths: tuple[int, ...]


def mask_magics(text: str) -> str:
    """IPython syntax as comments of the same length: positions stay where they were."""
    lines = text.split("\n")
    if text.lstrip().startswith("%%"):
        return "\n".join("#" + line[1:] if line else line for line in lines)
    masked = []
    for line in lines:
        body = line.lstrip()
        if body.startswith(("%", "!")):
            indent = len(line) - len(body)
            line = line[:indent] + "#" + body[1:]
        masked.append(line)
    return "\n".join(masked)


def join_cells(cells: list[tuple[str, str]]) -> tuple[str, list[Cell]]:
    """The virtual document of ``(uri, text)`` cells, and where each cell lies in it."""
    parts = [PRELUDE]
    layout = []
    line = PRELUDE_LINES
    for uri, text in cells:
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        layout.append(Cell(uri, line, len(lines), tuple(len(x) for x in lines)))
        parts.append(mask_magics("\n".join(lines)) + "\n")
        line += len(lines)
    return "".join(parts), layout


def virtual_uri(notebook_uri: str) -> str:
    return notebook_uri + VIRTUAL_SUFFIX


class Notebooks:
    """The open notebooks of one server: their cells' layout in each virtual document."""

    def __init__(self, server: NotebookHost) -> None:
        self.server = server
        #: Virtual document URI -> its cells; cell URI -> virtual document URI.
        self.layouts: dict[str, list[Cell]] = {}
        self.cell_owner: dict[str, str] = {}
        #: Cells whose pygls document applies changes incrementally (see ``incremental``).
        self._incremental: set[str] = set()

    # --- sync -----------------------------------------------------------------------------

    def cell_document(self, uri: str) -> TextDocument | None:
        # VS Code's cell URIs are quoted (`...analysis.ipynb#W0sdnNjb2RlLXJlbW90ZQ%3D%3D`).
        return opened.text_document(self.server.workspace, uri)

    def incremental(self, uri: str) -> None:
        """VS Code sends a cell's edits as ranges, whatever the server's text document sync;
        pygls makes cell documents with the server's (Full), so a one-character insert would
        replace the whole cell. Remake the cell's document to apply ranges."""
        document = self.cell_document(uri)
        if document is None or uri in self._incremental:
            return
        self.server.workspace.text_documents[unquote(uri)] = TextDocument(
            document.uri,
            source=document.source,
            version=document.version,
            language_id=document.language_id,
            sync_kind=types.TextDocumentSyncKind.Incremental,
            position_codec=self.server.workspace.position_codec,
        )
        self._incremental.add(uri)

    def owns_cell(self, uri: str) -> bool:
        return uri in self.cell_owner

    def is_virtual(self, uri: str) -> bool:
        return uri in self.layouts

    def sync(self, notebook_uri: str, version: int, opened: bool) -> None:
        """Rebuild the virtual document from the notebook's current cells and re-analyse it."""
        ls = self.server
        notebook = ls.workspace.get_notebook_document(notebook_uri=notebook_uri)
        if notebook is None:
            return
        cells = []
        for cell in notebook.cells:
            self.incremental(cell.document)
            document = self.cell_document(cell.document)
            if (
                cell.kind == types.NotebookCellKind.Code
                and document is not None
                and document.language_id in (None, "python")
            ):
                cells.append((cell.document, document.source))
        text, layout = join_cells(cells)
        uri = virtual_uri(notebook_uri)
        gone = {c.uri for c in self.layouts.get(uri, [])} - {c.uri for c in layout}
        self.layouts[uri] = layout
        for cell_uri in gone:
            self.cell_owner.pop(cell_uri, None)
            self._incremental.discard(cell_uri)
            self._clear(cell_uri)
        for cell_layout in layout:
            self.cell_owner[cell_layout.uri] = uri
        ls.workspace.put_text_document(
            types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )
        if opened:
            ls.opened(uri)
            ls.schedule(uri, delay=0.0)
        else:
            ls.cancel_model(uri)
            ls.schedule(uri, delay=ls.settings.diagnostics.debounce_ms / 1000)

    def close(self, notebook_uri: str) -> None:
        uri = virtual_uri(notebook_uri)
        for cell in self.layouts.pop(uri, []):
            self.cell_owner.pop(cell.uri, None)
            self._incremental.discard(cell.uri)
            self._clear(cell.uri)
        self.server.close(uri)
        self.server.workspace.remove_text_document(uri)

    def _clear(self, cell_uri: str) -> None:
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=cell_uri, diagnostics=[])
        )

    # --- mapping ------------------------------------------------------------------------

    def cell_at(self, uri: str, line: int) -> Cell | None:
        for cell in self.layouts.get(uri, []):
            if cell.first_line <= line < cell.first_line + cell.line_count:
                return cell
        return None

    def cell_named(self, cell_uri: str) -> tuple[str, Cell] | None:
        owner = self.cell_owner.get(cell_uri)
        for cell in self.layouts.get(owner or "", []):
            if cell.uri == cell_uri:
                return owner or "", cell
        return None

    @staticmethod
    def to_cell(cell: Cell, rng: types.Range) -> types.Range | None:
        """A virtual range in ``cell``'s coordinates; ``None`` when it leaves the cell, except
        for an end on the joining newline (the end of the cell's last line)."""

        def position(p: types.Position) -> types.Position | None:
            line = p.line - cell.first_line
            if 0 <= line < cell.line_count:
                return types.Position(line=line, character=p.character)
            if line == cell.line_count and p.character == 0:
                last = cell.line_count - 1
                return types.Position(line=last, character=cell.line_lengths[last])
            return None

        start, end = position(rng.start), position(rng.end)
        if start is None or end is None:
            return None
        return types.Range(start=start, end=end)

    @staticmethod
    def to_virtual(cell: Cell, rng: types.Range) -> types.Range:
        shift = cell.first_line
        return types.Range(
            start=types.Position(line=rng.start.line + shift, character=rng.start.character),
            end=types.Position(line=rng.end.line + shift, character=rng.end.character),
        )

    # --- features -----------------------------------------------------------------------

    def publish(self, state: DocumentState, diagnostics: list[types.Diagnostic]) -> bool:
        """Publish a virtual document's diagnostics on its cells; False for other documents."""
        layout = self.layouts.get(state.uri)
        if layout is None:
            return False
        per_cell: dict[str, list[types.Diagnostic]] = {cell.uri: [] for cell in layout}
        for diagnostic in diagnostics:
            cell = self.cell_at(state.uri, diagnostic.range.start.line)
            if cell is None:
                continue  # in the prelude
            rng = self.to_cell(cell, diagnostic.range)
            if rng is None:  # runs past its cell (an unclosed bracket): shown to the cell's end
                last = cell.line_count - 1
                start = diagnostic.range.start
                rng = types.Range(
                    start=types.Position(
                        line=start.line - cell.first_line, character=start.character
                    ),
                    end=types.Position(line=last, character=cell.line_lengths[last]),
                )
            diagnostic.range = rng
            per_cell[cell.uri].append(diagnostic)
        for cell_uri, found in per_cell.items():
            document = self.cell_document(cell_uri)
            self.server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=cell_uri, version=document.version if document else None, diagnostics=found
                )
            )
        return True

    async def code_action(
        self,
        params: types.CodeActionParams,
        list_actions: CodeActionHandler,
        resolve: ResolveHandler,
    ) -> list[types.CodeAction] | None:
        found = self.cell_named(params.text_document.uri)
        if found is None:
            return None
        uri, cell = found
        virtual = types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=self.to_virtual(cell, params.range),
            context=types.CodeActionContext(
                diagnostics=[
                    _with_range(d, self.to_virtual(cell, d.range))
                    for d in params.context.diagnostics
                ],
                only=params.context.only,
                trigger_kind=params.context.trigger_kind,
            ),
        )
        actions = await list_actions(virtual) or []
        mapped = []
        for action in actions:
            if isinstance(action.data, dict) and action.data.get("model"):
                continue  # see the module's docstring
            if isinstance(action.data, dict) and action.data.get("pending"):
                continue  # still being verified: listed by a later request, with its edit
            if action.edit is None:
                action = await resolve(action)
            edit = self.to_cell_edit(uri, action.edit)
            if edit is None:
                continue
            action.edit = edit
            action.data = None  # nothing left to resolve
            action.diagnostics = [
                _with_range(d, r)
                for d in action.diagnostics or []
                if (r := self.to_cell(cell, d.range)) is not None
            ] or None
            mapped.append(action)
        return mapped

    def to_cell_edit(
        self, uri: str, edit: types.WorkspaceEdit | None
    ) -> types.WorkspaceEdit | None:
        """The virtual document's edit as edits of its cells (one per cell, at its version)."""
        if edit is None or not edit.document_changes:
            return None
        per_cell: dict[str, list[types.TextEdit]] = {}
        for change in edit.document_changes:
            if not isinstance(change, types.TextDocumentEdit):
                return None
            for text_edit in change.edits:
                cell = self.cell_at(uri, text_edit.range.start.line)
                rng = self.to_cell(cell, text_edit.range) if cell else None
                if cell is None or rng is None or not isinstance(text_edit, types.TextEdit):
                    return None  # in the prelude, or across cells: no cell edit can say it
                per_cell.setdefault(cell.uri, []).append(
                    types.TextEdit(range=rng, new_text=text_edit.new_text)
                )
        changes: list[Any] = []
        for cell_uri, edits in per_cell.items():
            document = self.cell_document(cell_uri)
            changes.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=cell_uri, version=document.version if document else None
                    ),
                    edits=edits,
                )
            )
        return types.WorkspaceEdit(document_changes=changes)

    async def hover(self, params: types.HoverParams, hover: HoverHandler) -> types.Hover | None:
        found = self.cell_named(params.text_document.uri)
        if found is None:
            return None
        uri, cell = found
        position = types.Position(
            line=params.position.line + cell.first_line, character=params.position.character
        )
        answer = await hover(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=position
            ),
        )
        if answer is not None and answer.range is not None:
            # The explanation names the virtual document's line: name the cell's instead.
            virtual_line = answer.range.start.line + 1
            answer.range = self.to_cell(cell, answer.range)
            if answer.range is not None and isinstance(answer.contents, types.MarkupContent):
                cell_line = answer.range.start.line + 1
                answer.contents.value = answer.contents.value.replace(
                    f"line {virtual_line}", f"line {cell_line} of this cell"
                )
        return answer


def _with_range(diagnostic: types.Diagnostic, rng: types.Range) -> types.Diagnostic:
    return types.Diagnostic(
        range=rng,
        message=diagnostic.message,
        severity=diagnostic.severity,
        code=diagnostic.code,
        code_description=diagnostic.code_description,
        source=diagnostic.source,
        tags=diagnostic.tags,
        related_information=diagnostic.related_information,
        data=diagnostic.data,
    )


def register(server: LanguageServer) -> None:
    """The notebook notifications; the cell-aware features hook into the server's handlers."""

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def on_open(ls: NotebookHost, params: types.DidOpenNotebookDocumentParams) -> None:
        nb = params.notebook_document
        ls.notebooks.sync(nb.uri, nb.version, opened=True)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def on_change(ls: NotebookHost, params: types.DidChangeNotebookDocumentParams) -> None:
        nb = params.notebook_document
        ls.notebooks.sync(nb.uri, nb.version, opened=False)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def on_close(ls: NotebookHost, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.notebooks.close(params.notebook_document.uri)
