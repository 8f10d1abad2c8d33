"""MLServer's streaming notebook, gRPC cell, against mlserver-ts (manual check, not run by jest).

Stubs come from the project's protos (MLServer's stream signature):
    python3 -m grpc_tools.protoc -I protos --python_out=OUT --grpc_python_out=OUT \
        inference/messages.proto inference/model_config.proto inference/statistics.proto \
        inference/dataplane.proto
    PYTHONPATH=OUT python3 test/grpc/python/notebook_cell.py localhost:8081 examples/text-model/generate-request.json
The mlserver package (types, converters) is not installable here, so the request JSON is
converted by hand the way ModelInferRequestConverter does it (BYTES as bytes_contents).
"""
import asyncio
import json
import sys

import grpc
from inference import dataplane_pb2_grpc as dataplane
from inference import messages_pb2 as pb


def to_grpc(request: dict) -> pb.ModelInferRequest:
    message = pb.ModelInferRequest(model_name="text-model")
    for tensor in request["inputs"]:
        item = message.inputs.add(name=tensor["name"], datatype=tensor["datatype"], shape=tensor["shape"])
        item.contents.bytes_contents.extend(s.encode() for s in tensor["data"])
        for key, value in tensor.get("parameters", {}).items():
            item.parameters[key].string_param = value
    for output in request.get("outputs", []):
        message.outputs.add(name=output["name"])
    return message


async def main(target: str, request_file: str) -> None:
    with open(request_file) as f:
        inference_request_g = to_grpc(json.load(f))

    async def get_inference_request_stream(inference_request):
        yield inference_request

    async with grpc.aio.insecure_channel(target) as grpc_channel:
        grpc_stub = dataplane.GRPCInferenceServiceStub(grpc_channel)
        inference_request_stream = get_inference_request_stream(inference_request_g)
        async for response in grpc_stub.ModelStreamInfer(inference_request_stream):
            print([b.decode() for b in response.outputs[0].contents.bytes_contents])


asyncio.run(main(sys.argv[1], sys.argv[2]))
