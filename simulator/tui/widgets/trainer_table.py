"""A DataTable the trainer sorts by clicking a column header or pressing ``s`` / ``r``."""

from __future__ import annotations

from collections.abc import Sequence
from functools import total_ordering
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from simulator.terminal import clip

#: Characters of a cell shown (names come from other machines' imports and can be huge).
CELL_SHOWN = 60


@total_ordering
class SortCell:
    """A cell shown as *text* but ordered by *value* (numbers as numbers; None last).

    It renders as a Rich ``Text`` — never as markup, so a trainee named ``[b]x``
    is shown as typed — right-aligned when it holds a number (or ``right``). The
    text is clipped to `CELL_SHOWN` characters with control characters shown.
    """

    __slots__ = ("right", "text", "value")

    def __init__(self, value: Any, text: str | None = None, *, right: bool | None = None) -> None:
        self.value = value
        raw = text if text is not None else ("—" if value is None else str(value))
        self.text = clip(raw, CELL_SHOWN)
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        self.right = numeric if right is None else right

    def __rich__(self) -> Text:
        return Text(self.text, justify="right" if self.right else "left")

    @property
    def key(self) -> tuple[int, Any]:
        """Sort key: missing values after all others; text ignores case."""
        if self.value is None:
            return (1, 0)
        if isinstance(self.value, str):
            return (0, self.value.casefold())
        return (0, self.value)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"SortCell({self.value!r}, {self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SortCell) and self.key == other.key

    def __lt__(self, other: SortCell) -> bool:
        return self.key < other.key

    def __hash__(self) -> int:
        return hash(self.key)


class SortableTable(DataTable[Any]):
    """Rows of `SortCell`; header click or ``s`` sorts, again (or ``r``) reverses."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sort_next", "Sort"),
        Binding("r", "reverse", "Reverse"),
    ]

    def __init__(self, labels: Sequence[str], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.labels = tuple(labels)
        self.sort_index: int | None = None
        self.sort_reverse = False

    def on_mount(self) -> None:
        for index, label in enumerate(self.labels):
            self.add_column(Text(label), key=str(index))

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        index = event.column_index
        self.sort_on(index, reverse=not self.sort_reverse if index == self.sort_index else False)

    def action_sort_next(self) -> None:
        """Sort by the next column (ascending)."""
        index = 0 if self.sort_index is None else (self.sort_index + 1) % len(self.labels)
        self.sort_on(index, reverse=False)

    def action_reverse(self) -> None:
        """Reverse the current order."""
        self.sort_on(self.sort_index or 0, reverse=not self.sort_reverse)

    def sort_on(self, index: int, *, reverse: bool) -> None:
        """Sort by column *index*, keeping the highlighted row highlighted."""
        kept = None
        if self.row_count:
            kept = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        self.sort_index, self.sort_reverse = index, reverse
        for i, label in enumerate(self.labels):
            column = self.columns[ColumnKey(str(i))]
            column.label = Text(label + ((" ▼" if reverse else " ▲") if i == index else ""))
            column.content_width = max(column.content_width, column.label.cell_len)
        # Labels first: sort() bumps the table's render caches, so the marks show;
        # a wider label must also widen the table's scrollable size.
        self._require_update_dimensions = True
        self.sort(ColumnKey(str(index)), key=lambda cell: cell.key, reverse=reverse)
        if kept is not None:
            self.move_cursor(row=self.get_row_index(kept))

    def column_values(self, index: int) -> list[Any]:
        """The values of column *index*, top to bottom as shown (for tests and copy)."""
        key = ColumnKey(str(index))
        return [self.get_cell(row, key).value for row in self.ordered_row_keys()]

    def ordered_row_keys(self) -> list[Any]:
        """Row keys top to bottom as shown."""
        return [
            self.coordinate_to_cell_key(Coordinate(i, 0)).row_key for i in range(self.row_count)
        ]
