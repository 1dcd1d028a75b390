"""Generated protobuf and gRPC stubs of the kernel contract (protos/customer_core/v1); do not edit."""
