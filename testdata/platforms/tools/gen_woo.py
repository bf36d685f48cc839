# Shared WooCommerce order dataset rendered in 4 export formats.
import re
def php_cell(v):
    """Emulate PHP fputcsv(): enclose when field has delimiter, quote, backslash, \n, \r, \t or space."""
    v = '' if v is None else str(v)
    if v == '': return ''
    if re.search(r'[,"\\\n\r\t ]', v):
        return '"' + v.replace('"', '""') + '"'
    return v
def wc_escape(v):
    """WC_CSV_Exporter::escape_data(): prefix ' when value starts with = + - @"""
    v = '' if v is None else str(v)
    return "'" + v if v[:1] in ('=', '+', '-', '@') else v

C = {
 'alice': dict(first='Alice', last='Archer', email='alice@example.com', phone='(413) 555-0101', a1='12 Elm St', a2='Apt 3', city='Springfield', state='MA', pc='01101', cc='US', cid=12),
 'bob':   dict(first='Bob', last='Baker', email='bob@example.com', phone='503-555-0199', a1='Flat 2, 400 Oak Ave', a2='', city='Portland', state='OR', pc='97205', cc='US', cid=0),
 'hana':  dict(first='Hana', last='Guest', email='', phone='+44 7700 900123', a1='9 Pine Rd', a2='', city='London', state='', pc='N1 9GU', cc='GB', cid=0),
 'carol': dict(first='Carol', last='Chen', email='carol@example.com', phone='', a1='77 Birch Blvd', a2='', city='Denver', state='CO', pc='80202', cc='US', cid=14),
 'dave':  dict(first='Dave', last='Diaz', email='dave@example.com', phone='', a1='5 Cedar Ct', a2='', city='Miami', state='FL', pc='33101', cc='US', cid=15),
 'frank': dict(first='Frank', last='Ford', email='frank@example.com', phone='', a1='3 Ash Ln', a2='', city='Boise', state='ID', pc='83702', cc='US', cid=16),
 'grace': dict(first='Grace', last='Gray', email='grace@example.com', phone='', a1='8 Maple Dr', a2='', city='Seattle', state='WA', pc='98101', cc='US', cid=17),
}
# status slug, label
L = {'completed':'Completed','processing':'Processing','on-hold':'On hold','pending':'Pending payment','cancelled':'Cancelled','refunded':'Refunded','failed':'Failed'}
O = [
 dict(id=1001, st='completed', date='2024-01-15 09:12:44', c='alice', items=[('TEE-BLK-S','Crew Tee - Black / S',2,'19.75'),('TOTE-1','Canvas Tote',1,'20.00')], sub='59.50', disc='0.00', coupon='', ship='5.00', total='64.50', refund=0, pm=('stripe','Credit Card (Stripe)'), sm='Flat rate', note=''),
 dict(id=1002, st='completed', date='2024-01-20 16:40:02', c='bob', items=[('THR-1','Wool Throw',1,'50.00')], sub='50.00', disc='0.00', coupon='', ship='5.00', total='55.00', refund=0, pm=('paypal','PayPal'), sm='Flat rate', note=''),
 dict(id=1003, st='completed', date='2024-02-03 21:05:19', c='hana', items=[('PRT-A4','Botanical Print, A4',1,'32.00')], sub='32.00', disc='0.00', coupon='', ship='0.00', total='32.00', refund=0, pm=('cod','Cash on delivery'), sm='Local pickup', note='Ring the bell, then wait.\nThanks!'),
 dict(id=1004, st='processing', date='2024-02-20 11:00:00', c='bob', email_override='BOB@example.com', items=[('MUG-SP','Speckled Mug',2,'20.00')], sub='40.00', disc='0.00', coupon='', ship='0.00', total='40.00', refund=0, pm=('stripe','Credit Card (Stripe)'), sm='Free shipping', note=''),
 dict(id=1005, st='pending', date='2024-02-25 08:30:00', c='dave', items=[('PLN-1','Herb Planter',1,'30.00')], sub='30.00', disc='0.00', coupon='', ship='0.00', total='30.00', refund=0, pm=('paypal','PayPal'), sm='Free shipping', note=''),
 dict(id=1006, st='completed', date='2024-03-02 14:03:10', c='alice', items=[('MUG-L-BL','Mug, Large - Blue',2,'40.00'),('TEA-S','Tea Sampler',1,'35.00')], sub='115.00', disc='10.00', coupon='spring10', ship='5.00', total='110.00', refund=20, refund_date='2024-03-10 12:00:00', pm=('stripe','Credit Card (Stripe)'), sm='Flat rate', note=''),
 dict(id=1007, st='cancelled', date='2024-03-15 11:58:40', c='carol', items=[('WSB-1','Walnut Serving Board',1,'45.00')], sub='45.00', disc='0.00', coupon='', ship='0.00', total='45.00', refund=0, pm=('bacs','Direct bank transfer'), sm='Free shipping', note=''),
 dict(id=1008, st='on-hold', date='2024-03-20 10:00:00', c='alice', items=[('APR-1','Linen Apron',1,'48.00')], sub='48.00', disc='0.00', coupon='', ship='0.00', total='48.00', refund=0, pm=('bacs','Direct bank transfer'), sm='Free shipping', note=''),
 dict(id=1009, st='completed', date='2024-04-01 19:45:33', c='hana', phone_override='+447700900123', items=[('CND-1','Beeswax Candle',1,'15.00')], sub='15.00', disc='0.00', coupon='', ship='0.00', total='15.00', refund=0, pm=('cod','Cash on delivery'), sm='Local pickup', note=''),
 dict(id=1010, st='failed', date='2024-04-05 17:45:00', c='frank', items=[('GFT-1','Gift Set',1,'60.00')], sub='60.00', disc='0.00', coupon='', ship='0.00', total='60.00', refund=0, pm=('stripe','Credit Card (Stripe)'), sm='Free shipping', note=''),
 dict(id=1011, st='refunded', date='2024-04-09 13:20:04', c='grace', items=[('VAS-1','Ceramic Vase',1,'39.00')], sub='39.00', disc='0.00', coupon='', ship='0.00', total='39.00', refund=39, refund_date='2024-04-12 09:00:00', pm=('stripe','Credit Card (Stripe)'), sm='Free shipping', note=''),
]
def cust(o):
    c = dict(C[o['c']])
    if 'email_override' in o: c['email'] = o['email_override']
    if 'phone_override' in o: c['phone'] = o['phone_override']
    return c
def num(x):  # PHP float echo: 20.0 -> "20", 0 -> "0"
    return ('%g' % x)

# ---------- (a)/(b) Advanced Order Export For WooCommerce, default columns ----------
AOE_H = ['Order Number','Order Status','Order Date','Customer Note','First Name (Billing)','Last Name (Billing)','Company (Billing)','Address 1&2 (Billing)','City (Billing)','State Code (Billing)','Postcode (Billing)','Country Code (Billing)','Email (Billing)','Phone (Billing)','First Name (Shipping)','Last Name (Shipping)','Address 1&2 (Shipping)','City (Shipping)','State Code (Shipping)','Postcode (Shipping)','Country Code (Shipping)','Item #','SKU','Item Name','Quantity','Item Cost','Coupon Code','Discount Amount','Discount Amount Tax','Shipping Method Title','Payment Method Title','Cart Discount Amount','Order Subtotal Amount','Order Shipping Amount','Order Refund Amount','Order Total Amount','Order Total Tax Amount']
def aoe_rows(populate):
    out = []
    for o in sorted(O, key=lambda o: o['id'], reverse=True):   # sort_direction DESC
        c = cust(o)
        addr = ', '.join(x for x in (c['a1'], c['a2']) if x)
        order_part = [o['id'], L[o['st']], o['date'][:16], o['note'], c['first'], c['last'], '', addr, c['city'], c['state'], c['pc'], c['cc'], c['email'], c['phone'],
                      c['first'], c['last'], addr, c['city'], c['state'], c['pc'], c['cc']]
        tail = [o['sm'], o['pm'][1], o['disc'], o['sub'], o['ship'], num(o['refund']), o['total'], '0.00']
        for i, (sku, name, q, price) in enumerate(o['items']):
            prod = [i+1, sku, name, q, price]
            coup = [o['coupon'], o['disc'], '0'] if (o['coupon'] and i == 0) else ['', '', '']
            if i == 0 or populate:
                out.append(order_part + prod + coup + tail)
            else:
                out.append([''] * len(order_part) + prod)   # short row: nothing after the product cells
    return out
def write(path, header, rows, eol='\r\n', cellf=php_cell):
    with open(path, 'w', newline='') as f:
        f.write(','.join(cellf(h) for h in header) + eol)
        for r in rows:
            line = ','.join(cellf(v) for v in r)
            f.write(line.replace('\n', eol) if eol == '\r\n' else line)   # CRLF filter also rewrites embedded \n
            f.write(eol)
write('../woocommerce_orders.csv', AOE_H, aoe_rows(True))
write('../woocommerce_aoe_blank_item_rows_orders.csv', AOE_H, aoe_rows(False))

# ---------- (c) WooCommerce Customer / Order / Coupon Export, "Default - One Row per Item" (v4 format) ----------
COC_H = ['order_id','order_number','date','status','shipping_total','shipping_tax_total','fee_total','fee_tax_total','tax_total','discount_total','order_total','refunded_total','order_currency','payment_method','shipping_method','customer_id','billing_first_name','billing_last_name','billing_company','billing_email','billing_phone','billing_address_1','billing_address_2','billing_postcode','billing_city','billing_state','billing_country','shipping_first_name','shipping_last_name','shipping_address_1','shipping_address_2','shipping_postcode','shipping_city','shipping_state','shipping_country','shipping_company','customer_note','item_id','item_product_id','item_name','item_sku','item_quantity','item_subtotal','item_subtotal_tax','item_total','item_total_tax','item_refunded','item_refunded_qty','item_meta','shipping_items','fee_items','tax_items','coupon_items','order_notes','download_permissions_granted']
coc = []
item_id = 501
for o in O:
    c = cust(o)
    for i, (sku, name, q, price) in enumerate(o['items']):
        line_sub = '%.2f' % (q * float(price))
        # coupon 10.00 spread over 1006 lines proportionally (80/115, 35/115)
        line_tot = line_sub
        if o['id'] == 1006: line_tot = ['73.04', '31.96'][i]
        refunded, rqty = ('0.00', 0)
        if o['id'] == 1006 and i == 0: refunded, rqty = ('20.00', -1)
        if o['id'] == 1011: refunded, rqty = ('39.00', -1)
        coupon_items = 'id:%d|code:spring10|amount:10.00|description:' % (item_id + 50) if o['coupon'] else ''
        ship_items = 'id:%d|method_id:%s|method_title:%s|total:%s' % (item_id + 40, {'Flat rate':'flat_rate','Free shipping':'free_shipping','Local pickup':'local_pickup'}[o['sm']], o['sm'], o['ship'])
        notes = {1011:'Order status changed from Completed to Refunded.|Refunded $39.00 – Customer changed mind', 1006:'Refunded $20.00 – Damaged mug|Order status changed from Processing to Completed.'}.get(o['id'], '')
        coc.append([o['id'], '', o['date'], o['st'], o['ship'], '0.00', '0.00', '0.00', '0.00', o['disc'], o['total'], '%.2f' % o['refund'], 'USD', o['pm'][0], o['sm'], c['cid'],
                    c['first'], c['last'], '', c['email'], c['phone'], c['a1'], c['a2'], c['pc'], c['city'], c['state'], c['cc'],
                    c['first'], c['last'], c['a1'], c['a2'], c['pc'], c['city'], c['state'], c['cc'], '', o['note'],
                    item_id, 200 + item_id % 100, name, sku, q, line_sub, '0.00', line_tot, '0.00', refunded, rqty, '', ship_items, '', '', coupon_items, notes, 1 if o['st'] in ('completed','processing') else 0])
        item_id += 1
write('../woocommerce_customer_order_export_orders.csv', COC_H, coc, eol='\n')

# ---------- (d) WooCommerce Analytics > Orders, emailed ("server") CSV ----------
AN_H = ['Date','Order #','N. Revenue (formatted)','Status','Customer','Customer type','Product(s)','Items sold','Coupon(s)','Net Sales','Attribution']
excluded = {'pending','failed','cancelled'}   # default "Excluded statuses"
an = []
seen_customer = set()
def ckey(c): return (c['email'].lower() or c['first']+' '+c['last'])
for o in O:
    if o['st'] in excluded: continue
    c = cust(o)
    net = float(o['total']) - float(o['ship'])
    k = ckey(c)
    ctype = 'returning' if (k in seen_customer and c['email']) else 'new'
    seen_customer.add(k)
    prods = ', '.join('%d× %s' % (q, n) for (_, n, q, _) in sorted(o['items'], key=lambda t: -t[2]))
    fmt = '$%s' % o['total'] if not o['refund'] else '$%s $%.2f' % (o['total'], float(o['total']) - o['refund'])
    an.append([o['date'], o['id'], fmt, o['st'], c['first']+' '+c['last'], ctype, prods, sum(q for (_,_,q,_) in o['items']), o['coupon'], ('%.2f' % net).rstrip('0').rstrip('.') if False else num(net), 'Unknown'])
    if o['refund']:
        refund_rows = (o, c)
        an.append([o['refund_date'], o['id'], fmt, o['st'], c['first']+' '+c['last'], ctype, '', -1, '', num(-o['refund']), 'Unknown'])
an.sort(key=lambda r: r[0])
write('../woocommerce_analytics_orders.csv', AN_H, an, cellf=lambda v: php_cell(wc_escape(v)))
