"""Passport photos and supporting documents: presigned, constrained uploads to object
storage, checks after upload, short-lived download links, deletion of stored objects."""
