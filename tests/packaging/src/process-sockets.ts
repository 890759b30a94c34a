import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * The local ports of a process's TCP sockets (Linux /proc): on the server they are the `client_port`
 * of its connections, which tells them from other processes' connections to the same database.
 */
export async function localTcpPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    // A descriptor closed since the listing has no link any more.
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    if (inode) inodes.add(inode);
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const rows = (await readFile(`/proc/${pid}/net/${table}`, 'utf8')).split('\n').slice(1);
    for (const row of rows) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const [, local = '', , , , , , , , inode = ''] = row.trim().split(/\s+/);
      const port = local.split(':').at(-1);
      if (port && inodes.has(inode)) ports.push(Number.parseInt(port, 16));
    }
  }
  return ports;
}
