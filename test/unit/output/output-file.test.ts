import { expect } from 'chai';
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { prepareOutputDir, prepareOutputFile, writeFileAtomic } from '../../../src/output-file.js';
import { SettingError } from '../../../src/usage-error.js';
import { scratchDir } from '../../support/scratch.js';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(() => { throw new Error('expected a rejection'); }, (err: Error) => err);
}

describe('output files', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await scratchDir('output-file')));
  afterEach(async () => cleanup());

  it('prepares a file or directory path by creating its directories, naming the setting when it cannot', async () => {
    await prepareOutputFile(path.join(dir, 'a', 'b', 'r.json'), 'report');
    await prepareOutputDir(path.join(dir, 'c', 'd'), 'out');
    expect((await readdir(dir)).sort()).to.deep.equal(['a', 'c']);
    const file = path.join(dir, 'f');
    await writeFile(file, '');
    const under = await rejection(prepareOutputFile(path.join(file, 'r.json'), 'report'));
    expect(under).to.be.instanceOf(SettingError).and.include({ setting: 'report' });
    expect(under.message).to.equal(`report: cannot write ${file}/r.json: cannot create the directory ${file} (it is a file)`);
    expect((await rejection(prepareOutputFile(dir, 'junit'))).message).to.equal(`junit: ${dir} is a directory, not a file`);
    expect((await rejection(prepareOutputDir(file, 'out'))).message).to.equal(`out: cannot create the directory ${file} (it is a file)`);
  });

  it('writes through a temporary file renamed over the path: old or new content, nothing left behind', async () => {
    const file = path.join(dir, 'sub', 'r.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    expect(await readFile(file, 'utf8')).to.equal('two');
    expect(await readdir(path.dirname(file))).to.deep.equal(['r.json']);
    // A rename replaces a link at the path; writing in place would have gone through it.
    const target = path.join(dir, 'target');
    await writeFile(target, 'kept');
    const link = path.join(dir, 'link');
    await symlink(target, link);
    await writeFileAtomic(link, 'new');
    expect(await readFile(target, 'utf8')).to.equal('kept');
    expect((await lstat(link)).isFile()).to.equal(true);
  });

  it('names the path, not the temporary file, when it cannot write, and leaves no temporary file', async () => {
    const taken = path.join(dir, 'taken');
    await mkdir(taken);
    await writeFile(path.join(taken, 'inside'), '');
    const err = await rejection(writeFileAtomic(taken, 'x'));
    expect(err.message).to.match(new RegExp(`^cannot write ${taken} \\(E[A-Z]+\\)$`));
    expect((await readdir(dir)).sort()).to.deep.equal(['taken']);
  });
});
