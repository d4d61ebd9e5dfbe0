"""Importing the vendor's CRM accounts, contacts and opportunities from CSV files.

Two ways in, one code path: the `import_crm` management command (synchronous) and the
staff upload page (a worker runs it). Both store the file as a `CrmImport` with
`crm.services.crm_import_create` and run it with `crm.services.crm_import_run`, which
reads the file (`reader.read_csv`) and hands its rows to `rows.import_rows`. `columns`
documents and checks each column.

Rules the code keeps:

* Upsert by `external_id`. A row whose every field already holds the file's value is
  *unchanged* and is not written, so importing the same file twice writes nothing.
  A column the file does not have is left alone on existing records.
* Each bad row is reported by the line it starts on, with every reason; good rows land.
* Rows are written in batches of `BATCH_SIZE`, one transaction each, with bulk inserts
  and updates; the import's progress counters move in the same transaction. The column
  parsers stand in for per-row `full_clean()`, which would cost a query per row.
* One audit event per run (`crm.import`), in the transaction of the final status update.
"""
