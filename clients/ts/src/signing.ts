// Transactions signed with cosmjs, every Thalamus Msg registered.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { DescMessage } from "@bufbuild/protobuf";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { Registry } from "@cosmjs/proto-signing";
import type { GeneratedType, OfflineSigner } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient, defaultRegistryTypes } from "@cosmjs/stargate";
import type { SigningStargateClientOptions } from "@cosmjs/stargate";
import { DENOM, txFiles } from "./queries.js";

/** A generated message type as cosmjs' Registry takes one (protobuf-es underneath). */
export function cosmjsType<D extends DescMessage>(schema: D): GeneratedType {
  return {
    fromPartial: (value: object) => create(schema, value as never),
    encode: (message: never, writer: BinaryWriter = new BinaryWriter()) => writer.raw(toBinary(schema, message)),
    decode: (input: Uint8Array | { buf: Uint8Array }) => fromBinary(schema, input instanceof Uint8Array ? input : input.buf),
  } as unknown as GeneratedType;
}

/** Every Msg of the four modules (the Msg service's inputs), by type URL. */
export const msgTypes: ReadonlyArray<[string, GeneratedType]> = txFiles.flatMap((f) =>
  f.services.flatMap((s) => s.methods.map((m) => [`/${m.input.typeName}`, cosmjsType(m.input)] as [string, GeneratedType])),
);

/** A cosmjs registry with the SDK's default messages and Thalamus's. */
export function thalamusRegistry(): Registry {
  return new Registry([...defaultRegistryTypes, ...msgTypes]);
}

/**
 * A cosmjs signing client over the node's CometBFT RPC with Thalamus's messages registered;
 * fees come from gasPrice (default 0uthal, as localnets run) and simulated gas.
 */
export async function connectSigner(
  rpcUrl: string,
  signer: OfflineSigner,
  options: SigningStargateClientOptions = {},
): Promise<SigningStargateClient> {
  return SigningStargateClient.connectWithSigner(rpcUrl, signer, {
    registry: thalamusRegistry(),
    gasPrice: GasPrice.fromString(`0${DENOM}`),
    ...options,
  });
}
