"""DocumentService: customer documents, streamed to and from the object store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from customer_core.kernel.app import Kernel
from customer_core.kernel.documents import Documents
from customer_core.v1 import document_service_pb2 as pb
from customer_core.v1 import document_service_pb2_grpc


class DocumentServicer(document_service_pb2_grpc.DocumentServiceServicer):
    """The servicer of `customer_core.v1.DocumentService`."""

    def __init__(self, kernel: Kernel) -> None:
        self.documents = Documents(kernel)

    def UploadDocument(
        self, request_iterator: Iterator[pb.UploadDocumentRequest], context: Any
    ) -> pb.Document:
        return self.documents.upload(request_iterator)

    def GetDocumentUpload(
        self, request: pb.GetDocumentUploadRequest, context: Any
    ) -> pb.DocumentUpload:
        return self.documents.upload_status(request)

    def DownloadDocument(
        self, request: pb.DownloadDocumentRequest, context: Any
    ) -> Iterator[pb.DownloadDocumentResponse]:
        return self.documents.download(request)

    def GetDocument(self, request: pb.GetDocumentRequest, context: Any) -> pb.Document:
        return self.documents.get(request)

    def ListDocuments(
        self, request: pb.ListDocumentsRequest, context: Any
    ) -> pb.ListDocumentsResponse:
        return self.documents.list(request)

    def DeleteDocument(
        self, request: pb.DeleteDocumentRequest, context: Any
    ) -> pb.DeleteDocumentResponse:
        return self.documents.delete(request)
