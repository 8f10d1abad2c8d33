"""What Triton's example programs do with tritonclient.grpc against the `simple` model, on Debian's
python3-grpcio and python3-protobuf alone (tritonclient and grpcio-tools are not packaged).

The messages come from the server's reflection (reflection_client.py) instead of generated
stubs; the calls are the ones tritonclient makes: ModelConfig (get_model_config),
ModelInfer with raw_input_contents, outputs read from raw_output_contents as
InferResult.as_numpy does (it finds nothing in typed contents), ModelStatistics
(get_inference_statistics) and ModelMetadata of an unknown model (its error text is checked).
Prints what it got as JSON (MessageToDict, proto field names, as tritonclient's as_json does).
    /usr/bin/python3 test/grpc/python/triton_client.py localhost:8001
"""
import array
import json
import os
import sys

import grpc
from google.protobuf import json_format

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reflection_client import message_classes, reflected_pool  # noqa: E402

SERVICE = "/inference.GRPCInferenceService/"


def as_dict(message):
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def main(target):
    with grpc.insecure_channel(target) as channel:
        pool, _ = reflected_pool(channel)

        def rpc(method, request_name, response_name):
            request_class, response_class = message_classes(pool, request_name, response_name)
            call = channel.unary_unary(
                SERVICE + method,
                request_serializer=request_class.SerializeToString,
                response_deserializer=response_class.FromString,
            )
            return request_class, call

        ConfigRequest, model_config = rpc("ModelConfig", "inference.ModelConfigRequest", "inference.ModelConfigResponse")
        InferRequest, model_infer = rpc("ModelInfer", "inference.ModelInferRequest", "inference.ModelInferResponse")
        StatsRequest, model_statistics = rpc(
            "ModelStatistics", "inference.ModelStatisticsRequest", "inference.ModelStatisticsResponse"
        )
        MetadataRequest, model_metadata = rpc(
            "ModelMetadata", "inference.ModelMetadataRequest", "inference.ModelMetadataResponse"
        )

        config = model_config(ConfigRequest(name="simple"))

        request = InferRequest(model_name="simple", id="py-1")
        input0, input1 = list(range(16)), [1] * 16
        for name, values in (("INPUT0", input0), ("INPUT1", input1)):
            tensor = request.inputs.add(name=name, datatype="INT32")
            tensor.shape.extend([1, 16])
            request.raw_input_contents.append(array.array("i", values).tobytes())
        for name in ("OUTPUT0", "OUTPUT1"):
            request.outputs.add(name=name)
        response = model_infer(request)
        outputs = {}
        for index, output in enumerate(response.outputs):
            # InferResult.as_numpy: the output's bytes are raw_output_contents[index].
            raw = response.raw_output_contents[index] if index < len(response.raw_output_contents) else b""
            outputs[output.name] = {
                "datatype": output.datatype,
                "shape": list(output.shape),
                "values": array.array("i", raw).tolist(),
                "typed_contents": output.HasField("contents"),
            }

        statistics = model_statistics(StatsRequest(name="simple"))
        all_statistics = model_statistics(StatsRequest())

        try:
            model_metadata(MetadataRequest(name="nope"))
            unknown = None
        except grpc.RpcError as error:
            unknown = {"code": error.code().name, "message": error.details()}

        print(
            json.dumps(
                {
                    "config": as_dict(config),
                    "infer": {"id": response.id, "model_name": response.model_name, "outputs": outputs},
                    "statistics": as_dict(statistics),
                    "all_statistics_models": [s.name for s in all_statistics.model_stats],
                    "unknown_model": unknown,
                }
            )
        )


if __name__ == "__main__":
    main(sys.argv[1])
