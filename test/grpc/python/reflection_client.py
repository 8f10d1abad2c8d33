"""A gRPC server-reflection client on Debian's python3-grpcio and python3-protobuf alone.

grpcio-reflection is not packaged by Debian, so the grpc.reflection.v1 messages are declared
here with descriptor_pb2 (field numbers of the published reflection.proto). `reflected_pool`
asks a server for its services and the files declaring them, and loads those files into a fresh
DescriptorPool, as grpcurl-style tools and Python's reflection helpers do; a descriptor that is
not valid (a misnamed map entry, an unresolved type) makes pool.Add raise.

Run alone, it prints what the pool holds as JSON:
    /usr/bin/python3 test/grpc/python/reflection_client.py localhost:8081
"""
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto


def _reflection_file():
    file = descriptor_pb2.FileDescriptorProto(
        name="grpc/reflection/v1/reflection.proto", package="grpc.reflection.v1", syntax="proto3"
    )

    def message(name, *fields, oneofs=()):
        msg = file.message_type.add(name=name)
        for oneof in oneofs:
            msg.oneof_decl.add(name=oneof)
        for field_name, number, kind, type_name, repeated, oneof in fields:
            field = msg.field.add(name=field_name, number=number, type=kind)
            field.label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
            if type_name:
                field.type_name = ".grpc.reflection.v1." + type_name
            if oneof is not None:
                field.oneof_index = oneof

    string, message_type, int32, bytes_ = _F.TYPE_STRING, _F.TYPE_MESSAGE, _F.TYPE_INT32, _F.TYPE_BYTES
    message(
        "ServerReflectionRequest",
        ("host", 1, string, None, False, None),
        ("file_by_filename", 3, string, None, False, 0),
        ("file_containing_symbol", 4, string, None, False, 0),
        ("list_services", 7, string, None, False, 0),
        oneofs=("message_request",),
    )
    message("FileDescriptorResponse", ("file_descriptor_proto", 1, bytes_, None, True, None))
    message("ServiceResponse", ("name", 1, string, None, False, None))
    message("ListServiceResponse", ("service", 1, message_type, "ServiceResponse", True, None))
    message("ErrorResponse", ("error_code", 1, int32, None, False, None), ("error_message", 2, string, None, False, None))
    message(
        "ServerReflectionResponse",
        ("valid_host", 1, string, None, False, None),
        ("file_descriptor_response", 4, message_type, "FileDescriptorResponse", False, 0),
        ("list_services_response", 6, message_type, "ListServiceResponse", False, 0),
        ("error_response", 7, message_type, "ErrorResponse", False, 0),
        oneofs=("message_response",),
    )
    return file


def message_classes(pool, *names):
    """The generated classes of messages in `pool`, by full name."""
    factory = message_factory.MessageFactory(pool)
    return [factory.GetPrototype(pool.FindMessageTypeByName(name)) for name in names]


_own_pool = descriptor_pool.DescriptorPool()
_own_pool.Add(_reflection_file())
Request, Response = message_classes(
    _own_pool, "grpc.reflection.v1.ServerReflectionRequest", "grpc.reflection.v1.ServerReflectionResponse"
)


def _ask(channel, requests):
    call = channel.stream_stream(
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        request_serializer=Request.SerializeToString,
        response_deserializer=Response.FromString,
    )
    replies = list(call(iter(requests), timeout=10))
    for reply in replies:
        if reply.HasField("error_response"):
            raise RuntimeError(f"reflection error: {reply.error_response.error_message}")
    return replies


def reflected_pool(channel):
    """(pool, services): every reflected service's files loaded into a new DescriptorPool."""
    [listed] = _ask(channel, [Request(list_services="*")])
    services = [s.name for s in listed.list_services_response.service]
    replies = _ask(channel, [Request(file_containing_symbol=name) for name in services])
    files = {}
    for reply in replies:
        for raw in reply.file_descriptor_response.file_descriptor_proto:
            file = descriptor_pb2.FileDescriptorProto.FromString(raw)
            files.setdefault(file.name, file)
    pool = descriptor_pool.DescriptorPool()
    added = set()

    def add(name):
        if name in added:
            return
        for dependency in files[name].dependency:
            add(dependency)
        pool.Add(files[name])
        added.add(name)

    for name in files:
        add(name)
    return pool, services


def describe(pool, services):
    """Each service's methods with their types, as the pool resolved them."""
    out = {}
    for name in services:
        service = pool.FindServiceByName(name)
        out[name] = {
            m.name: {
                "input": m.input_type.full_name,
                "output": m.output_type.full_name,
                "client_streaming": m.client_streaming if hasattr(m, "client_streaming") else None,
                "server_streaming": m.server_streaming if hasattr(m, "server_streaming") else None,
            }
            for m in service.methods
        }
    return out


def main(target):
    with grpc.insecure_channel(target) as channel:
        pool, services = reflected_pool(channel)
        maps = {}
        for message_name in ("inference.ModelInferRequest", "inference.ModelInferRequest.InferInputTensor"):
            fields = pool.FindMessageTypeByName(message_name).fields_by_name
            maps[message_name] = fields["parameters"].message_type.GetOptions().map_entry
        print(json.dumps({"services": describe(pool, services), "parameters_is_map": maps}))


if __name__ == "__main__":
    main(sys.argv[1])
