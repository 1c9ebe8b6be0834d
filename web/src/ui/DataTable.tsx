import { type ColumnDef, flexRender, getCoreRowModel, type RowSelectionState, useReactTable } from '@tanstack/react-table';
import { useState } from 'react';

/**
 * A list as a table (TanStack Table); below 640 px each row becomes a card (CSS, with each cell's column
 * name from `data-label`). `selectable` adds a checkbox column and reports the selected rows.
 */
export function DataTable<T extends { id: string | number }>(props: {
  label: string;
  rows: T[];
  columns: ColumnDef<T, unknown>[];
  selectable?: boolean;
  onSelection?: (rows: T[]) => void;
}) {
  const [rowSelection, setRowSelection] = useState<RowSelectionState>({});
  const selection: ColumnDef<T, unknown>[] = props.selectable
    ? [
        {
          id: 'select',
          header: ({ table }) => (
            <input
              type="checkbox"
              aria-label="Select all"
              checked={table.getIsAllRowsSelected()}
              onChange={table.getToggleAllRowsSelectedHandler()}
            />
          ),
          cell: ({ row }) => (
            <input
              type="checkbox"
              aria-label={`Select row ${row.index + 1}`}
              checked={row.getIsSelected()}
              onChange={row.getToggleSelectedHandler()}
            />
          ),
        },
      ]
    : [];
  const table = useReactTable({
    data: props.rows,
    columns: [...selection, ...props.columns],
    getRowId: (row) => String(row.id),
    state: { rowSelection },
    enableRowSelection: Boolean(props.selectable),
    onRowSelectionChange: (updater) => {
      const next = typeof updater === 'function' ? updater(rowSelection) : updater;
      setRowSelection(next);
      props.onSelection?.(props.rows.filter((row) => next[String(row.id)]));
    },
    getCoreRowModel: getCoreRowModel(),
  });
  return (
    <div className="table-wrap">
      <table aria-label={props.label} className="cards">
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th key={header.id} scope="col">
                  {header.isPlaceholder ? null : flexRender(header.column.columnDef.header, header.getContext())}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id}>
              {row.getVisibleCells().map((cell) => (
                <td key={cell.id} data-label={typeof cell.column.columnDef.header === 'string' ? cell.column.columnDef.header : ''}>
                  {flexRender(cell.column.columnDef.cell, cell.getContext())}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
