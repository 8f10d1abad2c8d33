"""A tritonclient-style stream against mlserver-ts's Triton listener (manual check, not run by jest).

tritonclient itself is not installable here; this does what its start_stream /
async_stream_infer / stop_stream do on the wire: one bidirectional ModelStreamInfer call fed
from a queue, raw_input_contents (BYTES length-prefixed), `triton_enable_empty_final_response`,
and a callback per ModelStreamInferResponse.
    python3 -m grpc_tools.protoc -I protos --python_out=OUT --grpc_python_out=OUT \
        inference/messages.proto inference/triton/stream.proto
The stub calls inference.triton.GRPCInferenceService/ModelStreamInfer, the name under which the
Triton listener also serves its stream (tritonclient itself calls inference.GRPCInferenceService).
    PYTHONPATH=OUT python3 test/grpc/python/triton_stream.py localhost:8001
"""
import queue
import struct
import sys

import grpc
from inference.triton import stream_pb2_grpc as service
from inference import messages_pb2 as pb


def bytes_tensor(items):
    return b"".join(struct.pack("<I", len(b)) + b for b in items)


def split_bytes(raw):
    out, offset = [], 0
    while offset < len(raw):
        (length,) = struct.unpack_from("<I", raw, offset)
        out.append(raw[offset + 4 : offset + 4 + length].decode())
        offset += 4 + length
    return out


def request(text, request_id):
    message = pb.ModelInferRequest(model_name="text-model", id=request_id)
    message.inputs.add(name="prompt", datatype="BYTES", shape=[1])
    message.outputs.add(name="output")
    message.raw_input_contents.append(bytes_tensor([text.encode()]))
    message.parameters["triton_enable_empty_final_response"].bool_param = True
    return message


def callback(result, error):
    if error:
        print("error:", error)
        return
    final = result.parameters["triton_final_response"].bool_param
    words = split_bytes(result.raw_output_contents[0]) if result.raw_output_contents else []
    print(f"id={result.id} final={final} words={words}")


def main(target):
    requests = queue.Queue()
    channel = grpc.insecure_channel(target)
    stub = service.GRPCInferenceServiceStub(channel)
    responses = stub.ModelStreamInfer(iter(requests.get, None))  # start_stream
    requests.put(request("What is the capital of France?", "0"))  # async_stream_infer
    requests.put(pb.ModelInferRequest(model_name="missing", id="1"))
    pending = 2
    for envelope in responses:
        callback(envelope.infer_response, envelope.error_message or None)
        if envelope.error_message or envelope.infer_response.parameters["triton_final_response"].bool_param:
            pending -= 1
        if pending == 0:
            requests.put(None)  # stop_stream
    channel.close()


main(sys.argv[1])
