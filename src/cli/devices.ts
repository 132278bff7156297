import { Command } from 'commander';
import { formatDeviceList, listVideoDevices } from '../devices/list.js';
import { withExitCode } from './command.js';

export function devicesCommand(): Command {
  const command = new Command('devices');
  return withExitCode(command, async () => {
    process.stdout.write(formatDeviceList(await listVideoDevices()));
    return 0;
  });
}
