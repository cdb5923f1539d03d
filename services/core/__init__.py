"""What every domain stands on: the database and its unit of work, domain errors, the clock,
job queuing by task name, the outbox back-off, signals between domains, languages, local
time, masking, and the vendor adapters built from configuration. Nothing here imports a
domain or a model."""
