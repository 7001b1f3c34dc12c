import { strToU8, zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { docxToHtml, htmlFromUpload } from '../../shared/content';
import { ValidationError } from '../../shared/errors';
import { MemoryBlobStore } from '../fixtures/content/memory-blob-store';

describe('htmlFromUpload', () => {
  const text = '<p>親愛的會員您好，春季特賣開跑</p>';

  it('reads UTF-8 with and without a BOM', () => {
    const bytes = strToU8(`<html><body>${text}</body></html>`);
    expect(htmlFromUpload(bytes)).toEqual({ html: `<html><body>${text}</body></html>`, charset: 'utf-8' });
    expect(htmlFromUpload(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes])).html).toBe(`<html><body>${text}</body></html>`);
  });

  it('reads UTF-16 by its BOM', () => {
    const bytes = iconv.encode(`<html><body>${text}</body></html>`, 'utf-16le', { addBOM: true });
    expect(htmlFromUpload(bytes)).toEqual({ html: `<html><body>${text}</body></html>`, charset: 'utf-16le' });
  });

  it('reads the charset the page declares', () => {
    const html = `<html><head><meta charset="big5"></head><body>${text}</body></html>`;
    expect(htmlFromUpload(iconv.encode(html, 'big5'))).toEqual({ html, charset: 'big5' });
    const gb = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body><p>亲爱的会员您好</p></body></html>';
    expect(htmlFromUpload(iconv.encode(gb, 'gb2312')).html).toBe(gb);
  });

  it('guesses the charset of an undeclared legacy page', () => {
    const html = `<html><body>${text.repeat(20)}</body></html>`;
    const decoded = htmlFromUpload(iconv.encode(html, 'big5'));
    expect(decoded.html).toBe(html);
    expect(decoded.charset).toBe('big5');
  });
});

/** A minimal Word document: two paragraphs and an embedded PNG. */
function docx(): Uint8Array {
  const rels = 'http://schemas.openxmlformats.org/package/2006/relationships';
  const officeRels = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  return zipSync({
    '[Content_Types].xml': strToU8(
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
        '<Default Extension="png" ContentType="image/png"/>' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ),
    '_rels/.rels': strToU8(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${rels}"><Relationship Id="rId1" Type="${officeRels}/officeDocument" Target="word/document.xml"/></Relationships>`),
    'word/_rels/document.xml.rels': strToU8(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${rels}"><Relationship Id="rIdImg" Type="${officeRels}/image" Target="media/image1.png"/></Relationships>`),
    'word/media/image1.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 9]),
    'word/document.xml': strToU8(
      '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' +
        `xmlns:r="${officeRels}" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" ` +
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><w:body>' +
        '<w:p><w:r><w:t>親愛的會員您好</w:t></w:r></w:p><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>限時優惠</w:t></w:r></w:p>' +
        '<w:p><w:r><w:drawing><wp:inline><wp:docPr id="1" name="Picture 1" descr="春季主視覺"/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">' +
        '<pic:pic><pic:blipFill><a:blip r:embed="rIdImg"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>' +
        '</w:body></w:document>',
    ),
  });
}

describe('docxToHtml', () => {
  it('converts a Word document and uploads its images instead of inlining them', async () => {
    const sink = new MemoryBlobStore();
    const { html } = await docxToHtml(docx(), { sink, prefix: 'docx/ws1/c1/u1/', assetsBaseUrl: 'https://assets.example.com/' });
    expect(html).toContain('<p>親愛的會員您好</p>');
    expect(html).toContain('<strong>限時優惠</strong>');
    expect(html).toContain('<img alt="春季主視覺" src="https://assets.example.com/docx/ws1/c1/u1/images/image-1.png" />');
    expect(html).not.toContain('data:');
    expect(html).toMatch(/^<!DOCTYPE html>\n<html><head><meta charset="utf-8"><\/head><body>/);
    expect([...sink.objects.keys()]).toEqual(['docx/ws1/c1/u1/images/image-1.png']);
    expect(sink.objects.get('docx/ws1/c1/u1/images/image-1.png')?.contentType).toBe('image/png');
  });

  it('refuses a file that is not a Word document', async () => {
    const attempt = docxToHtml(strToU8('just text'), { sink: new MemoryBlobStore(), prefix: 'p/', assetsBaseUrl: 'https://a' });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toThrow('The file is not a Word document (.docx) that can be read.');
  });
});
