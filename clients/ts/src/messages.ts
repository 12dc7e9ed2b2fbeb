// Messages as cosmjs signs them (EncodeObject), built from the generated types; no cosmjs code.
import { create } from "@bufbuild/protobuf";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import type { EncodeObject } from "@cosmjs/proto-signing";

/** A message ready for signAndBroadcast: `msg(MsgCreateLeaseSchema, { tenant, ... })`. */
export function msg<D extends GenMessage<any>>(schema: D, value: MessageInitShape<D>): EncodeObject {
  return { typeUrl: `/${schema.typeName}`, value: create(schema, value) };
}

