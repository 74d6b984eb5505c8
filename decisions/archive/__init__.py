"""The archive: the dossier of one decision (一事一档, Art 33) as a PDF/A volume; ``pdf/`` renders it."""
