import { selectPresets } from '@preview-lambda/handler/preset-selection';
import { describe, expect, it } from 'vitest';

const CATALOGUE = ['icon', 'small', 'large'];

describe('Function: selectPresets', () => {
  it('selects the named presets in catalogue order, whatever order they are given in', () => {
    expect(selectPresets(' large , icon,', CATALOGUE)).toEqual({ names: ['large', 'icon'], presets: ['icon', 'large'], unknown: [] });
    expect(selectPresets(['large', 'small'], CATALOGUE)).toEqual({ names: ['large', 'small'], presets: ['small', 'large'], unknown: [] });
  });

  it('selects every preset for *, and still names an unknown name beside it', () => {
    expect(selectPresets('*', CATALOGUE).presets).toEqual(CATALOGUE);
    expect(selectPresets('small, *, huge', CATALOGUE)).toEqual({ names: ['small', '*', 'huge'], presets: CATALOGUE, unknown: ['huge'] });
  });

  it('names the unknown names in the order given, and leaves them out of the selection', () => {
    expect(selectPresets('huge,small,Tiny', CATALOGUE)).toEqual({ names: ['huge', 'small', 'Tiny'], presets: ['small'], unknown: ['huge', 'Tiny'] });
  });

  it('selects nothing when no name is given', () => {
    expect(selectPresets(' , ', CATALOGUE)).toEqual({ names: [], presets: [], unknown: [] });
    expect(selectPresets('', new Map([['small', 1]]).keys())).toEqual({ names: [], presets: [], unknown: [] });
  });
});
