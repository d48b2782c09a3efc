/** `modeldeck check` (filled in with the compliance check). */
export async function runCheckCli(_args: string[], out: NodeJS.WritableStream): Promise<number> {
  out.write('modeldeck check: not available yet\n');
  return 2;
}
