"""Streams a 16 kHz mono 16-bit WAV file into silero-vad as a Triton sequence of gRPC ModelInfer
calls (what tritonclient's infer(..., sequence_id=, sequence_start=, sequence_end=) sends), one
512-sample window per call; the model's state stays on the server between the calls. Prints one
character per window: '#' speech (probability >= 0.5), '.' silence.

Stubs from the project's protos (Debian: python3-grpcio python3-protobuf python3-grpc-tools):
    python3 -m grpc_tools.protoc -I protos --python_out=stubs --grpc_python_out=stubs \
        inference/messages.proto inference/model_config.proto inference/statistics.proto \
        inference/dataplane.proto
    PYTHONPATH=stubs python3 examples/clients/vad_sequence_grpc.py speech.wav localhost:8081
"""
import array
import sys
import wave

import grpc
from inference import dataplane_pb2_grpc, messages_pb2 as pb


def windows(path):
    with wave.open(path) as wav:
        samples = array.array("h", wav.readframes(wav.getnframes()))
    for at in range(0, len(samples) - 511, 512):
        yield array.array("f", (s / 32768 for s in samples[at : at + 512])).tobytes()


def main(path, target):
    frames = list(windows(path))
    with grpc.insecure_channel(target) as channel:
        stub = dataplane_pb2_grpc.GRPCInferenceServiceStub(channel)
        for i, frame in enumerate(frames):
            request = pb.ModelInferRequest(model_name="silero-vad", raw_input_contents=[frame])
            request.inputs.add(name="input", datatype="FP32", shape=[1, 512])
            request.parameters["sequence_id"].uint64_param = 42
            request.parameters["sequence_start"].bool_param = i == 0
            request.parameters["sequence_end"].bool_param = i == len(frames) - 1
            response = stub.ModelInfer(request)
            probability = array.array("f", response.raw_output_contents[0])[0]
            print("#" if probability >= 0.5 else ".", end="", flush=True)
    print()


main(*sys.argv[1:3])
